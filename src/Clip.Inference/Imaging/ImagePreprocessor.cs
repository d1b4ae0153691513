using Clip.Inference.Bundles;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Imaging;

/// <summary>
/// OpenAI CLIP's torchvision preprocessing on Pillow's terms: resize the shortest side
/// (Pillow resampling in the file's own mode), centre crop, drop alpha, scale to [0, 1],
/// normalise, float32 CHW. Thread-safe and reusable.
/// </summary>
public sealed class ImagePreprocessor
{
    private readonly ImageLimits _limits;
    private readonly ImageDecoder _decoder;

    public ImagePreprocessor(PreprocessorConfig config, ImageLimits limits)
        : this(config, limits, preferLibjpegTurbo: true)
    {
    }

    /// <summary>With <paramref name="preferLibjpegTurbo"/> false, ImageSharp decodes JPEGs even where libjpeg-turbo is installed.</summary>
    internal ImagePreprocessor(PreprocessorConfig config, ImageLimits limits, bool preferLibjpegTurbo)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(limits);
        Validate(config);
        Config = config;
        _limits = limits;
        _decoder = new ImageDecoder(limits, preferLibjpegTurbo);
    }

    public PreprocessorConfig Config { get; }

    /// <summary>The JPEG decoder in use: worth logging once, since only libjpeg-turbo matches torchvision exactly.</summary>
    public JpegBackend JpegBackend => _decoder.JpegBackend;

    /// <summary>Writes the normalised CHW tensor of <paramref name="encoded"/> into <paramref name="destination"/>.</summary>
    /// <returns>The size of the upright source image, before resizing.</returns>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image.</exception>
    public ImageSize Preprocess(ReadOnlySpan<byte> encoded, Span<float> destination)
    {
        if (destination.Length != Config.TensorLength)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} floats; the tensor needs {Config.TensorLength}.", nameof(destination));
        }

        CheckLength(encoded.Length);
        var (crop, source) = Crop(encoded.ToArray());
        Normalize(crop, destination);
        return source;
    }

    /// <inheritdoc cref="Preprocess(ReadOnlySpan{byte}, Span{float})"/>
    public float[] Preprocess(ReadOnlySpan<byte> encoded)
    {
        var tensor = new float[Config.TensorLength];
        Preprocess(encoded, tensor);
        return tensor;
    }

    /// <summary>Reads at most <see cref="ImageLimits.MaxEncodedBytes"/> + 1 bytes, then preprocesses them.</summary>
    /// <exception cref="ImageRejectedException">The stream holds too many bytes or no acceptable image.</exception>
    public async Task<float[]> PreprocessAsync(Stream encoded, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        var bytes = await ReadBoundedAsync(encoded, _limits.MaxEncodedBytes, ct);
        var tensor = new float[Config.TensorLength];
        Normalize(Crop(bytes).Rgb, tensor);
        return tensor;
    }

    /// <summary>The resized and cropped RGB picture, before scaling and normalisation.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image.</exception>
    public Image<Rgb24> RenderCrop(ReadOnlySpan<byte> encoded)
    {
        CheckLength(encoded.Length);
        return Image.LoadPixelData<Rgb24>(_decoder.Configuration, Crop(encoded.ToArray()).Rgb, Config.CropWidth, Config.CropHeight);
    }

    /// <summary>Interleaved RGB bytes of the crop, <see cref="PreprocessorConfig.CropWidth"/> × <see cref="PreprocessorConfig.CropHeight"/>, and the source size.</summary>
    private (byte[] Rgb, ImageSize Source) Crop(byte[] encoded)
    {
        var decoded = _decoder.Decode(encoded);
        var (width, height) = ResizedSize(decoded.Width, decoded.Height);
        var rgb = Resize(decoded, width, height);
        return (CenterCrop.Apply(rgb, width, height, Config.CropWidth, Config.CropHeight), new ImageSize(decoded.Width, decoded.Height));
    }

    /// <summary>torchvision's Resize(int): the short side becomes the size, the long side int(size · long / short).</summary>
    private (int Width, int Height) ResizedSize(int width, int height)
    {
        var size = Config.ShortestEdge;
        var (shortSide, longSide) = width <= height ? (width, height) : (height, width);
        var newLong = (long)((double)size * longSide / shortSide);
        if (newLong * size > _limits.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyPixels,
                $"The image is {width}×{height}; resized to a {size}-pixel short side it would exceed {_limits.MaxPixels} pixels.");
        }

        return width <= height ? (size, (int)newLong) : ((int)newLong, size);
    }

    private byte[] Resize(DecodedImage image, int width, int height)
    {
        // Pillow returns an unresampled copy when the size does not change.
        if (width == image.Width && height == image.Height)
        {
            return PixelPlanes.DropAlpha(image.Rgba);
        }

        var filter = image.Mode == PilMode.Palette ? ResampleFilter.Nearest : Config.Resample;
        if (image.Mode != PilMode.Rgba || filter == ResampleFilter.Nearest)
        {
            return PilResampler.Resize(PixelPlanes.DropAlpha(image.Rgba), image.Width, image.Height, 3, width, height, filter);
        }

        var premultiplied = PixelPlanes.Premultiply(image.Rgba);
        var resized = PilResampler.Resize(premultiplied, image.Width, image.Height, 4, width, height, filter);
        return PixelPlanes.DropAlpha(PixelPlanes.Unpremultiply(resized));
    }

    private void Normalize(byte[] rgb, Span<float> destination)
    {
        var plane = Config.CropWidth * Config.CropHeight;
        for (var channel = 0; channel < 3; channel++)
        {
            var mean = Config.Mean[channel];
            var std = Config.Std[channel];
            var target = destination.Slice(channel * plane, plane);
            for (var i = 0; i < plane; i++)
            {
                // Same float32 operations, in the same order, as ToTensor's div(255) and Normalize's sub/div.
                target[i] = ((rgb[(i * 3) + channel] / 255f) - mean) / std;
            }
        }
    }

    private void CheckLength(long length)
    {
        if (length == 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Empty, "The image is empty (zero bytes).");
        }

        if (length > _limits.MaxEncodedBytes)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyBytes, $"The image has more than {_limits.MaxEncodedBytes} bytes.");
        }
    }

    private async Task<byte[]> ReadBoundedAsync(Stream stream, long limit, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        while (buffer.Length <= limit)
        {
            var wanted = (int)Math.Min(chunk.Length, limit + 1 - buffer.Length);
            var read = await stream.ReadAsync(chunk.AsMemory(0, wanted), ct);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        CheckLength(buffer.Length);
        return buffer.ToArray();
    }

    private static void Validate(PreprocessorConfig config)
    {
        if (config.ShortestEdge <= 0 || config.CropWidth <= 0 || config.CropHeight <= 0)
        {
            throw new ArgumentException("The preprocessor's size and crop must be positive.", nameof(config));
        }

        if (config.Mean.Count != 3 || config.Std.Count != 3 || config.Std.Any(s => s == 0f))
        {
            throw new ArgumentException("The preprocessor needs three means and three non-zero standard deviations.", nameof(config));
        }

        if (!Enum.IsDefined(config.Resample))
        {
            throw new ArgumentException($"Unknown resampling filter {config.Resample}.", nameof(config));
        }
    }
}
