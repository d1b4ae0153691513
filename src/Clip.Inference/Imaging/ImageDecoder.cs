using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Clip.Inference.Imaging;

/// <summary>
/// Decodes the first frame of a JPEG, PNG, GIF, WebP or BMP within <see cref="ImageLimits"/>:
/// the declared size and frame count are checked before any pixel buffer exists, and every
/// ImageSharp failure becomes an <see cref="ImageRejectedException"/>. JPEGs go to libjpeg-turbo
/// when the system has it, as in Pillow.
/// </summary>
internal sealed class ImageDecoder
{
    private const int BytesPerWidestPixel = 8;
    private readonly ImageLimits _limits;

    public ImageDecoder(ImageLimits limits, bool preferLibjpegTurbo = true)
    {
        _limits = limits;
        Configuration = CreateConfiguration(limits);
        JpegBackend = preferLibjpegTurbo && LibjpegTurbo.IsAvailable ? JpegBackend.LibjpegTurbo : JpegBackend.ImageSharp;
    }

    public Configuration Configuration { get; }

    public JpegBackend JpegBackend { get; }

    public DecodedImage Decode(byte[] encoded)
    {
        try
        {
            var format = Image.DetectFormat(Configuration, encoded)
                ?? throw new ImageRejectedException(ImageRejectionReason.UnknownFormat, "The data is not a JPEG, PNG, GIF, WebP or BMP image.");
            var info = Image.Identify(Configuration, encoded, out _)
                ?? throw new ImageRejectedException(ImageRejectionReason.UnknownFormat, $"No {format.Name} header could be read.");
            CheckSize(info.Width, info.Height);
            var frames = ContainerInspector.CountFrames(format, encoded);
            if (frames > _limits.MaxFrames)
            {
                throw new ImageRejectedException(
                    ImageRejectionReason.TooManyFrames, $"The image has {frames} frames; at most {_limits.MaxFrames} are accepted.");
            }

            using var image = Load(format, info, encoded);
            CheckSize(image.Width, image.Height);
            image.Mutate(operations => operations.AutoOrient());
            return new DecodedImage(ToRgba(image), image.Width, image.Height, ModeOf(format, image.Metadata));
        }
        catch (Exception exception) when (exception is not (ImageRejectedException or OperationCanceledException))
        {
            throw Map(exception);
        }
    }

    private Image Load(IImageFormat format, IImageInfo info, byte[] encoded)
    {
        var turbo = format is JpegFormat && JpegBackend == JpegBackend.LibjpegTurbo
            ? LibjpegTurboDecoder.TryDecode(encoded, info.Metadata.ExifProfile, Configuration, CheckSize)
            : null;
        return turbo ?? Image.Load(Configuration, encoded);
    }

    private void CheckSize(int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, $"The image declares an empty size {width}×{height}.");
        }

        if ((long)width * height > _limits.MaxPixels)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyPixels, $"The image is {width}×{height}; at most {_limits.MaxPixels} pixels are accepted.");
        }

        if (Math.Max(width, height) > _limits.MaxDimension)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.DimensionTooLarge, $"The image is {width}×{height}; no side may exceed {_limits.MaxDimension} pixels.");
        }
    }

    private static Configuration CreateConfiguration(ImageLimits limits)
    {
        var configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new GifConfigurationModule(),
            new WebpConfigurationModule(),
            new BmpConfigurationModule())
        {
            // Caps each buffer a decoder may request, in case a decoder allocates beyond the declared size.
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                AllocationLimitMegabytes = (int)Math.Min(int.MaxValue, (limits.MaxPixels * BytesPerWidestPixel / (1024 * 1024)) + 16),
            }),
        };
        configuration.ImageFormatsManager.SetDecoder(
            GifFormat.Instance, new GifDecoder { DecodingMode = SixLabors.ImageSharp.Metadata.FrameDecodingMode.First });
        return configuration;
    }

    private static PilMode ModeOf(IImageFormat format, ImageMetadata metadata) => format switch
    {
        GifFormat => PilMode.Palette,
        PngFormat when metadata.GetPngMetadata().ColorType is PngColorType.Palette => PilMode.Palette,
        PngFormat when metadata.GetPngMetadata().ColorType is PngColorType.RgbWithAlpha or PngColorType.GrayscaleWithAlpha => PilMode.Rgba,
        BmpFormat when metadata.GetBmpMetadata().BitsPerPixel is BmpBitsPerPixel.Pixel1 or BmpBitsPerPixel.Pixel4 or BmpBitsPerPixel.Pixel8
            => PilMode.Palette,

        // Pillow holds WebP with an alpha chunk as RGBA; for opaque pixels premultiplication is exact.
        WebpFormat => PilMode.Rgba,
        _ => PilMode.Rgb,
    };

    private byte[] ToRgba(Image image)
    {
        var rgba = new byte[checked(image.Width * image.Height * 4)];
        if (image is Image<Rgb48> or Image<Rgba64> or Image<L16> or Image<La32>)
        {
            // Pillow unpacks 16-bit samples by keeping the high byte; ImageSharp would round v/257.
            using var wide = image.CloneAs<Rgba64>(Configuration);
            wide.ProcessPixelRows(accessor =>
            {
                for (var y = 0; y < accessor.Height; y++)
                {
                    var row = accessor.GetRowSpan(y);
                    var offset = y * accessor.Width * 4;
                    foreach (var pixel in row)
                    {
                        rgba[offset++] = (byte)(pixel.R >> 8);
                        rgba[offset++] = (byte)(pixel.G >> 8);
                        rgba[offset++] = (byte)(pixel.B >> 8);
                        rgba[offset++] = (byte)(pixel.A >> 8);
                    }
                }
            });
        }
        else
        {
            using var narrow = image.CloneAs<Rgba32>(Configuration);
            narrow.CopyPixelDataTo(rgba);
        }

        return rgba;
    }

    private static ImageRejectedException Map(Exception exception) => exception switch
    {
        UnknownImageFormatException => new(ImageRejectionReason.UnknownFormat, "The data is not a supported image format.", exception),
        InvalidMemoryOperationException => new(
            ImageRejectionReason.TooManyPixels, "Decoding the image would need more memory than the pixel limit allows.", exception),
        NotSupportedException => new(ImageRejectionReason.Unsupported, $"The image uses an unsupported feature: {exception.Message}", exception),
        _ => new(ImageRejectionReason.Corrupt, $"The image could not be decoded: {exception.Message}", exception),
    };
}
