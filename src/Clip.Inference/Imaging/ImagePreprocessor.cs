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
    private readonly Normalization _normalization;
    private readonly int _draftShortSide;

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
        _normalization = new Normalization(config);
        _draftShortSide = limits.JpegDecode == JpegDecode.Fast ? 2 * config.ShortestEdge : 0;
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
        CheckDestination(destination);
        CheckLength(encoded.Length);
        return PreprocessChecked(encoded.ToArray(), destination);
    }

    /// <inheritdoc cref="Preprocess(ReadOnlySpan{byte}, Span{float})"/>
    /// <remarks>Reads the array in place, where the span overload copies it first.</remarks>
    public ImageSize Preprocess(byte[] encoded, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckDestination(destination);
        CheckLength(encoded.Length);
        return PreprocessChecked(encoded, destination);
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
        PreprocessChecked(bytes, tensor);
        return tensor;
    }

    /// <summary>
    /// An upper bound on the memory <see cref="Preprocess(byte[], Span{float})"/> holds while it decodes
    /// <paramref name="encoded"/>, read from its header without decoding it; what a decode-memory budget is charged.
    /// </summary>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image (checked as when preprocessing).</exception>
    public long DecodeCost(byte[] encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        CheckLength(encoded.Length);
        return _decoder.DecodeCost(encoded, Config.CropWidth, _draftShortSide);
    }

    /// <summary>The resized and cropped RGB picture, before scaling and normalisation.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image.</exception>
    public Image<Rgb24> RenderCrop(ReadOnlySpan<byte> encoded)
    {
        CheckLength(encoded.Length);
        var rgb = new byte[Config.CropWidth * Config.CropHeight * 3];
        using (var crop = Crop(encoded.ToArray(), out _))
        {
            crop.WriteRgb(rgb);
        }

        return Image.LoadPixelData<Rgb24>(_decoder.Configuration, rgb, Config.CropWidth, Config.CropHeight);
    }

    private ImageSize PreprocessChecked(byte[] encoded, Span<float> destination)
    {
        using var crop = Crop(encoded, out var source);
        crop.WriteTensor(_normalization, destination);
        return source;
    }

    /// <summary>Decodes, resizes and crops: the crop's pixels as the resampler left them, and the upright source size.</summary>
    private CenterCrop Crop(byte[] encoded, out ImageSize source)
    {
        using var decoded = _decoder.Decode(encoded, _draftShortSide);
        source = decoded.Source;
        var (width, height) = ResizedSize(decoded.Width, decoded.Height);
        var filter = decoded.Mode == PilMode.Palette ? ResampleFilter.Nearest : Config.Resample;

        // Pillow resizes RGBA premultiplied, and returns an unresampled copy when the size does not change.
        var premultiplied = decoded.Mode == PilMode.Rgba && decoded.Channels == 4 && filter != ResampleFilter.Nearest
            && (width != decoded.Width || height != decoded.Height);
        var crop = CenterCrop.For(width, height, Config.CropWidth, Config.CropHeight, decoded.Channels, premultiplied);
        PilResampler.Resize(decoded.Pixels, decoded.Width, decoded.Height, decoded.Channels, width, height, crop.Window, filter, premultiplied, crop.Pixels);
        return crop;
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

    private void CheckDestination(Span<float> destination)
    {
        if (destination.Length != Config.TensorLength)
        {
            throw new ArgumentException(
                $"The destination holds {destination.Length} floats; the tensor needs {Config.TensorLength}.", nameof(destination));
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
