// Longer than this solution's usual 250 lines on purpose: one algorithm (Pillow 9's Resample.c), kept whole so it
// can be read against Pillow's source and its byte-exactness reasoned about in one place.
using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Clip.Inference.Bundles;

namespace Clip.Inference.Imaging;

/// <summary>
/// Pillow 9's <c>Image.resize</c> on interleaved 8-bit samples, reproduced step for step (separable
/// convolution whose support widens with the downscale factor, 22-bit fixed-point weights, horizontal
/// pass first, rounding to 8 bits after each pass), but computing only the output pixels of a window
/// (the centre crop) and only the source rows that window reads. Integer sums are exact in any order,
/// so the vectorised sums give Pillow's bytes.
/// </summary>
internal static class PilResampler
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>
    /// Resizes <paramref name="source"/> (width × height, <paramref name="channels"/> interleaved) to
    /// <paramref name="newWidth"/> × <paramref name="newHeight"/> and writes the pixels of <paramref name="window"/>
    /// (in resized coordinates, inside the resized image) to <paramref name="destination"/>, rows back to back.
    /// With <paramref name="premultiply"/>, colour is multiplied by alpha before resampling, as Pillow resizes RGBA.
    /// </summary>
    public static void Resize(
        ReadOnlySpan<byte> source, int width, int height, int channels, int newWidth, int newHeight,
        PixelWindow window, ResampleFilter filter, bool premultiply, Span<byte> destination)
    {
        var rowLength = window.Width * channels;
        if (destination.Length < rowLength * window.Height)
        {
            throw new ArgumentException("The destination is smaller than the window.", nameof(destination));
        }

        if (filter == ResampleFilter.Nearest)
        {
            ResizeNearest(source, width, height, channels, newWidth, newHeight, window, destination);
            return;
        }

        var kernel = Kernel.For(filter);
        var vertical = newHeight != height ? Coefficients.Compute(height, newHeight, window.Top, window.Height, kernel) : null;
        var (firstRow, rows) = vertical is null ? (window.Top, window.Height) : vertical.SourceRange();

        // Without a vertical pass the horizontal one writes the window's rows straight into the destination.
        var intermediate = vertical is null ? null : ArrayPool<byte>.Shared.Rent(rows * rowLength);
        try
        {
            var rowsOut = intermediate is null ? destination : intermediate.AsSpan(0, rows * rowLength);
            var horizontal = newWidth != width ? Coefficients.Compute(width, newWidth, window.Left, window.Width, kernel) : null;
            if (horizontal is null)
            {
                CopyColumns(source, width, channels, firstRow, rows, window.Left, window.Width, premultiply, rowsOut);
            }
            else
            {
                ResampleHorizontal(source, width, channels, firstRow, rows, horizontal, premultiply, rowsOut);
            }

            if (vertical is not null)
            {
                ResampleVertical(rowsOut, rowLength, firstRow, vertical, destination);
            }
        }
        finally
        {
            if (intermediate is not null)
            {
                ArrayPool<byte>.Shared.Return(intermediate);
            }
        }
    }

    private static void CopyColumns(
        ReadOnlySpan<byte> source, int width, int channels, int firstRow, int rows, int left, int columns, bool premultiply, Span<byte> result)
    {
        var rowLength = columns * channels;
        for (var r = 0; r < rows; r++)
        {
            var from = source.Slice((((firstRow + r) * width) + left) * channels, rowLength);
            var to = result.Slice(r * rowLength, rowLength);
            from.CopyTo(to);
            if (premultiply)
            {
                PixelPlanes.PremultiplyInPlace(to);
            }
        }
    }

    /// <summary>
    /// The horizontal pass, eight source rows at a time: the block is transposed so that each source column holds the
    /// eight rows' samples side by side, and each output sample becomes a sum of weight × eight widened samples over
    /// its taps, with no horizontal reduction.
    /// </summary>
    private static void ResampleHorizontal(
        ReadOnlySpan<byte> source, int width, int channels, int firstRow, int rows, Coefficients coefficients, bool premultiply, Span<byte> result)
    {
        const int Lanes = 8;
        var (firstColumn, columns) = coefficients.SourceRange();
        var outputs = coefficients.Count;
        var block = ArrayPool<byte>.Shared.Rent(columns * channels * Lanes);
        Span<int> sums = stackalloc int[Lanes];
        if (result.Length < rows * outputs * channels)
        {
            throw new ArgumentException("The result is smaller than the pass's output.", nameof(result));
        }

        ref var destination = ref MemoryMarshal.GetReference(result);
        try
        {
            ref var start = ref MemoryMarshal.GetArrayDataReference(block);
            for (var top = 0; top < rows; top += Lanes)
            {
                var count = Math.Min(Lanes, rows - top);
                var rowStart = (((firstRow + top) * width) + firstColumn) * channels;
                var done = count == Lanes && channels == 3 ? RgbBlockTransposer.Transpose(source[rowStart..], width * channels, columns, block) : 0;
                for (var r = 0; r < count; r++)
                {
                    var row = source.Slice(rowStart + (r * width * channels), columns * channels);
                    Transpose(row, channels, premultiply, block, columns, r, done);
                }

                for (var c = 0; c < channels; c++)
                {
                    ref var plane = ref Unsafe.Add(ref start, c * columns * Lanes);
                    for (var x = 0; x < outputs; x++)
                    {
                        var weights = coefficients.Weights(x);
                        ref var column = ref Unsafe.Add(ref plane, (coefficients.First(x) - firstColumn) * Lanes);
                        var sum = Vector256.Create(Half);
                        for (var k = 0; k < weights.Length; k++)
                        {
                            sum += EightSamples(ref Unsafe.Add(ref column, k * Lanes)) * Vector256.Create(weights[k]);
                        }

                        Vector256.Min(Vector256.Max(Vector256.ShiftRightArithmetic(sum, PrecisionBits), Vector256<int>.Zero), Vector256.Create(255)).CopyTo(sums);
                        var output = (((top * outputs) + x) * channels) + c;
                        for (var r = 0; r < count; r++, output += outputs * channels)
                        {
                            Unsafe.Add(ref destination, output) = (byte)sums[r];
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>Eight bytes widened to eight ints: one load-and-widen on AVX2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> EightSamples(ref byte eight)
    {
        var bytes = Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref eight)).AsByte();
        return Avx2.IsSupported
            ? Avx2.ConvertToVector256Int32(bytes)
            : Vector256.WidenLower(Vector128.WidenLower(bytes).ToVector256Unsafe()).AsInt32();
    }

    /// <summary>
    /// Writes one row's samples from column <paramref name="fromColumn"/> on into lane <paramref name="lane"/> of the
    /// block: [channel][column][lane].
    /// </summary>
    private static void Transpose(ReadOnlySpan<byte> row, int channels, bool premultiply, byte[] block, int columns, int lane, int fromColumn)
    {
        const int Lanes = 8;
        ref var to = ref MemoryMarshal.GetArrayDataReference(block);
        ref var from = ref MemoryMarshal.GetReference(row);
        var plane = columns * Lanes;
        for (var x = fromColumn; x < columns; x++)
        {
            ref var pixel = ref Unsafe.Add(ref from, x * channels);
            var index = (x * Lanes) + lane;
            if (channels == 3)
            {
                Unsafe.Add(ref to, index) = pixel;
                Unsafe.Add(ref to, plane + index) = Unsafe.Add(ref pixel, 1);
                Unsafe.Add(ref to, (2 * plane) + index) = Unsafe.Add(ref pixel, 2);
                continue;
            }

            var alpha = Unsafe.Add(ref pixel, 3);
            for (var c = 0; c < 3; c++)
            {
                var sample = Unsafe.Add(ref pixel, c);
                Unsafe.Add(ref to, (c * plane) + index) = premultiply ? PixelPlanes.MulDiv255(sample, alpha) : sample;
            }

            Unsafe.Add(ref to, (3 * plane) + index) = alpha;
        }
    }

    private static void ResampleVertical(ReadOnlySpan<byte> rows, int rowLength, int firstRow, Coefficients coefficients, Span<byte> result)
    {
        var block = Vector<byte>.Count;
        for (var y = 0; y < coefficients.Count; y++)
        {
            var first = coefficients.First(y) - firstRow;
            var weights = coefficients.Weights(y);
            var output = result.Slice(y * rowLength, rowLength);
            var s = 0;
            for (; s + block <= rowLength; s += block)
            {
                var (a, b, c, d) = (new Vector<int>(Half), new Vector<int>(Half), new Vector<int>(Half), new Vector<int>(Half));
                for (var i = 0; i < weights.Length; i++)
                {
                    var samples = Vector.LoadUnsafe(ref MemoryMarshal.GetReference(rows), (nuint)(((first + i) * rowLength) + s));
                    Vector.Widen(samples, out var low, out var high);
                    Vector.Widen(low, out var w0, out var w1);
                    Vector.Widen(high, out var w2, out var w3);
                    var weight = new Vector<int>(weights[i]);
                    a += Vector.AsVectorInt32(w0) * weight;
                    b += Vector.AsVectorInt32(w1) * weight;
                    c += Vector.AsVectorInt32(w2) * weight;
                    d += Vector.AsVectorInt32(w3) * weight;
                }

                var narrowed = Vector.Narrow(Vector.Narrow(Clip8(a), Clip8(b)), Vector.Narrow(Clip8(c), Clip8(d)));
                narrowed.StoreUnsafe(ref MemoryMarshal.GetReference(output), (nuint)s);
            }

            for (; s < rowLength; s++)
            {
                var sum = Half;
                for (var i = 0; i < weights.Length; i++)
                {
                    sum += rows[((first + i) * rowLength) + s] * weights[i];
                }

                output[s] = Clip8(sum);
            }
        }
    }

    private static byte Clip8(int sum) => (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);

    private static Vector<uint> Clip8(Vector<int> sums) =>
        Vector.AsVectorUInt32(Vector.Min(Vector.Max(Vector.ShiftRightArithmetic(sums, PrecisionBits), Vector<int>.Zero), new Vector<int>(255)));

    /// <summary>Pillow's ImagingScaleAffine: sample positions accumulate in doubles from the first pixel centre.</summary>
    private static void ResizeNearest(
        ReadOnlySpan<byte> source, int width, int height, int channels, int newWidth, int newHeight, PixelWindow window, Span<byte> result)
    {
        var columns = NearestIndices(width, newWidth);
        var rows = NearestIndices(height, newHeight);
        var rowLength = window.Width * channels;
        for (var y = 0; y < window.Height; y++)
        {
            var sourceRow = rows[window.Top + y] * width;
            for (var x = 0; x < window.Width; x++)
            {
                var from = (sourceRow + columns[window.Left + x]) * channels;
                source.Slice(from, channels).CopyTo(result.Slice((y * rowLength) + (x * channels)));
            }
        }
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

    /// <summary>
    /// Pillow's precompute_coeffs for the outputs [start, start + count): first source index, tap count and
    /// fixed-point weights.
    /// </summary>
    private sealed class Coefficients
    {
        private readonly int[] _first;
        private readonly int[] _taps;
        private readonly int[] _weights;
        private readonly int _stride;

        private Coefficients(int[] first, int[] taps, int[] weights, int stride)
        {
            _first = first;
            _taps = taps;
            _weights = weights;
            _stride = stride;
        }

        public int Count => _first.Length;

        public int First(int output) => _first[output];

        public ReadOnlySpan<int> Weights(int output) => _weights.AsSpan(output * _stride, _taps[output]);

        /// <summary>The source indices the outputs read: first and count.</summary>
        public (int First, int Count) SourceRange()
        {
            int low = int.MaxValue, high = 0;
            for (var i = 0; i < Count; i++)
            {
                low = Math.Min(low, _first[i]);
                high = Math.Max(high, _first[i] + _taps[i]);
            }

            return (low, high - low);
        }

        public static Coefficients Compute(int inSize, int outSize, int start, int count, Kernel kernel)
        {
            // Pillow divides in single precision ((float)in1 - in0) / outSize, then widens.
            double scale = (float)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = kernel.Support * filterScale;
            var kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
            var stride = kernelSize;
            var first = new int[count];
            var taps = new int[count];
            var weights = new int[count * stride];
            var values = new double[kernelSize];
            var reciprocal = 1.0 / filterScale;
            for (var i = 0; i < count; i++)
            {
                var center = (start + i + 0.5) * scale;
                var xmin = Math.Max((int)(center - support + 0.5), 0);
                var xcount = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                var total = 0.0;
                for (var k = 0; k < xcount; k++)
                {
                    values[k] = kernel.Weight((k + xmin - center + 0.5) * reciprocal);
                    total += values[k];
                }

                for (var k = 0; k < xcount; k++)
                {
                    var tap = total != 0.0 ? values[k] / total : values[k];
                    weights[(i * stride) + k] = (int)(tap < 0 ? -0.5 + (tap * (1 << PrecisionBits)) : 0.5 + (tap * (1 << PrecisionBits)));
                }

                first[i] = xmin;
                taps[i] = xcount;
            }

            return new Coefficients(first, taps, weights, stride);
        }
    }
}

/// <summary>A rectangle of an image, in pixels.</summary>
internal readonly record struct PixelWindow(int Left, int Top, int Width, int Height);
