using Clip.Inference.Bundles;

namespace Clip.Inference.Imaging;

/// <summary>
/// Pillow 9's <c>Image.resize</c> on interleaved 8-bit samples, reproduced step for step:
/// separable convolution whose support widens with the downscale factor, 22-bit fixed-point
/// weights, horizontal pass first, rounding to 8 bits after each pass.
/// </summary>
internal static class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static byte[] Resize(byte[] source, int width, int height, int channels, int newWidth, int newHeight, ResampleFilter filter)
    {
        if (filter == ResampleFilter.Nearest)
        {
            return ResizeNearest(source, width, height, channels, newWidth, newHeight);
        }

        var kernel = Kernel.For(filter);
        var pixels = source;
        if (newWidth != width)
        {
            pixels = ResampleHorizontal(pixels, width, height, channels, newWidth, Coefficients.Compute(width, newWidth, kernel));
        }

        if (newHeight != height)
        {
            pixels = ResampleVertical(pixels, newWidth, height, channels, newHeight, Coefficients.Compute(height, newHeight, kernel));
        }

        return pixels;
    }

    private static byte[] ResampleHorizontal(byte[] source, int width, int height, int channels, int newWidth, Coefficients coefficients)
    {
        var result = new byte[newWidth * height * channels];
        for (var y = 0; y < height; y++)
        {
            var row = y * width * channels;
            for (var x = 0; x < newWidth; x++)
            {
                var first = coefficients.First(x);
                var weights = coefficients.Weights(x);
                for (var c = 0; c < channels; c++)
                {
                    var sum = 1 << (PrecisionBits - 1);
                    for (var i = 0; i < weights.Length; i++)
                    {
                        sum += source[row + ((first + i) * channels) + c] * weights[i];
                    }

                    result[(((y * newWidth) + x) * channels) + c] = Clip8(sum);
                }
            }
        }

        return result;
    }

    private static byte[] ResampleVertical(byte[] source, int width, int height, int channels, int newHeight, Coefficients coefficients)
    {
        var stride = width * channels;
        var result = new byte[stride * newHeight];
        for (var y = 0; y < newHeight; y++)
        {
            var first = coefficients.First(y);
            var weights = coefficients.Weights(y);
            for (var s = 0; s < stride; s++)
            {
                var sum = 1 << (PrecisionBits - 1);
                for (var i = 0; i < weights.Length; i++)
                {
                    sum += source[((first + i) * stride) + s] * weights[i];
                }

                result[(y * stride) + s] = Clip8(sum);
            }
        }

        return result;
    }

    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    /// <summary>Pillow's ImagingScaleAffine: sample positions accumulate in doubles from the first pixel centre.</summary>
    private static byte[] ResizeNearest(byte[] source, int width, int height, int channels, int newWidth, int newHeight)
    {
        var columns = NearestIndices(width, newWidth);
        var rows = NearestIndices(height, newHeight);
        var result = new byte[newWidth * newHeight * channels];
        for (var y = 0; y < newHeight; y++)
        {
            for (var x = 0; x < newWidth; x++)
            {
                var from = ((rows[y] * width) + columns[x]) * channels;
                source.AsSpan(from, channels).CopyTo(result.AsSpan(((y * newWidth) + x) * channels));
            }
        }

        return result;
    }

    private static int[] NearestIndices(int inSize, int outSize)
    {
        var step = (double)inSize / outSize;
        var position = step * 0.5;
        var indices = new int[outSize];
        for (var i = 0; i < outSize; i++)
        {
            indices[i] = Math.Clamp((int)position, 0, inSize - 1);
            position += step;
        }

        return indices;
    }

    private sealed record Kernel(Func<double, double> Weight, double Support)
    {
        public static Kernel For(ResampleFilter filter) => filter switch
        {
            ResampleFilter.Bilinear => new(Triangle, 1.0),
            ResampleFilter.Bicubic => new(Cubic, 2.0),
            ResampleFilter.Lanczos => new(Lanczos, 3.0),
            _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "Unknown resampling filter."),
        };

        private static double Triangle(double x) => Math.Abs(x) < 1.0 ? 1.0 - Math.Abs(x) : 0.0;

        private static double Cubic(double x)
        {
            const double a = -0.5;
            x = Math.Abs(x);
            return x < 1.0 ? ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1
                : x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * a
                : 0.0;
        }

        private static double Lanczos(double x) => x is >= -3.0 and < 3.0 ? Sinc(x) * Sinc(x / 3.0) : 0.0;

        private static double Sinc(double x) => x == 0.0 ? 1.0 : Math.Sin(Math.PI * x) / (Math.PI * x);
    }

    /// <summary>Per output pixel: first source index, tap count and fixed-point weights, as Pillow's precompute_coeffs.</summary>
    private sealed class Coefficients
    {
        private readonly int[] _bounds;
        private readonly int[] _weights;
        private readonly int _kernelSize;

        private Coefficients(int[] bounds, int[] weights, int kernelSize)
        {
            _bounds = bounds;
            _weights = weights;
            _kernelSize = kernelSize;
        }

        public int First(int output) => _bounds[output * 2];

        public ReadOnlySpan<int> Weights(int output) => _weights.AsSpan(output * _kernelSize, _bounds[(output * 2) + 1]);

        public static Coefficients Compute(int inSize, int outSize, Kernel kernel)
        {
            // Pillow divides in single precision ((float)in1 - in0) / outSize, then widens.
            double scale = (float)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = kernel.Support * filterScale;
            var kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
            var bounds = new int[outSize * 2];
            var weights = new int[outSize * kernelSize];
            var taps = new double[kernelSize];
            var reciprocal = 1.0 / filterScale;
            for (var output = 0; output < outSize; output++)
            {
                var center = (output + 0.5) * scale;
                var first = Math.Max((int)(center - support + 0.5), 0);
                var count = Math.Min((int)(center + support + 0.5), inSize) - first;
                var total = 0.0;
                for (var i = 0; i < count; i++)
                {
                    taps[i] = kernel.Weight((i + first - center + 0.5) * reciprocal);
                    total += taps[i];
                }

                for (var i = 0; i < count; i++)
                {
                    var tap = total != 0.0 ? taps[i] / total : taps[i];
                    weights[(output * kernelSize) + i] = (int)(tap < 0 ? -0.5 + (tap * (1 << PrecisionBits)) : 0.5 + (tap * (1 << PrecisionBits)));
                }

                bounds[output * 2] = first;
                bounds[(output * 2) + 1] = count;
            }

            return new Coefficients(bounds, weights, kernelSize);
        }
    }
}
