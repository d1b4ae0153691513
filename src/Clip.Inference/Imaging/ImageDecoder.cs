// A little over this solution's usual 250 lines: every format's pre-decode limit checks sit side by side, so a
// reviewer can see that none is missing.
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
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

    /// <summary>
    /// The upright first frame. With <paramref name="draftShortSide"/> above 0, a JPEG decoded by libjpeg-turbo is
    /// scaled down in the DCT domain (by 1/2, 1/4 or 1/8, as Pillow's <c>Image.draft</c> does) as far as its short
    /// side stays at least that long.
    /// </summary>
    public DecodedImage Decode(byte[] encoded, int draftShortSide = 0)
    {
        try
        {
            var (format, info) = ReadHeader(encoded);
            var frames = ContainerInspector.CountFrames(format, encoded);
            if (frames > _limits.MaxFrames)
            {
                throw new ImageRejectedException(
                    ImageRejectionReason.TooManyFrames, $"The image has {frames} frames; at most {_limits.MaxFrames} are accepted.");
            }

            if (format is JpegFormat && JpegBackend == JpegBackend.LibjpegTurbo
                && LibjpegTurboDecoder.TryDecode(encoded, draftShortSide, CheckSize) is { } stored)
            {
                return ExifOrientation.Apply(stored, OrientationOf(info.Metadata.ExifProfile));
            }

            var image = Image.Load(Configuration, encoded);
            try
            {
                CheckSize(image.Width, image.Height);
                image.Mutate(operations => operations.AutoOrient());
                return Unpack(image, ModeOf(format, image.Metadata));
            }
            catch
            {
                image.Dispose();
                throw;
            }
        }
        catch (Exception exception) when (exception is not (ImageRejectedException or OperationCanceledException))
        {
            throw Map(exception);
        }
    }

    /// <summary>
    /// An upper bound on the bytes <see cref="Decode"/> holds at once for <paramref name="encoded"/>, from its header
    /// alone: the frame as decoded, any conversion or rotation copy, and the resampler's working rows (every source row
    /// at <paramref name="cropWidth"/> columns). Checks the same limits <see cref="Decode"/> does, so an image refused
    /// here would have been refused there.
    /// </summary>
    /// <exception cref="ImageRejectedException">The header is unreadable or declares too many pixels.</exception>
    public long DecodeCost(byte[] encoded, int cropWidth, int draftShortSide = 0)
    {
        try
        {
            var (format, info) = ReadHeader(encoded);
            var pixels = (long)info.Width * info.Height;
            var rotated = OrientationOf(info.Metadata.ExifProfile) > 1;
            if (format is JpegFormat && JpegBackend == JpegBackend.LibjpegTurbo && info.PixelType.BitsPerPixel <= 24)
            {
                // libjpeg-turbo writes RGB straight into the frame, DCT-scaled in fast mode; an EXIF rotation copies it once.
                var (width, height) = LibjpegTurboDecoder.ScaledSize(info.Width, info.Height, draftShortSide);
                return ((long)width * height * 3 * (rotated ? 2 : 1)) + WorkingRows(width, height, cropWidth);
            }

            // ImageSharp holds at most 4 bytes a pixel for 8-bit samples and 8 for 16-bit ones. Anything but RGB(A)
            // is converted to a 4-byte copy; 16-bit samples go through a 64-bit copy first (Pillow keeps the high byte).
            // Its JPEG decoder (CMYK, or no libjpeg-turbo) also keeps 16-bit coefficients for up to four components.
            var bits = info.PixelType.BitsPerPixel;
            var decoded = pixels * (bits > 32 ? 8 : 4);
            var converted = bits switch
            {
                > 32 => pixels * (8 + 4),
                _ when format is JpegFormat => pixels * (4 + 8),
                24 or 32 => 0,
                _ => pixels * 4,
            };
            return (decoded * (rotated ? 2 : 1)) + converted + WorkingRows(info.Width, info.Height, cropWidth);
        }
        catch (Exception exception) when (exception is not (ImageRejectedException or OperationCanceledException))
        {
            throw Map(exception);
        }
    }

    /// <summary>The format and header of <paramref name="encoded"/>, its declared size checked against the limits.</summary>
    private (IImageFormat Format, IImageInfo Info) ReadHeader(byte[] encoded)
    {
        var format = Image.DetectFormat(Configuration, encoded)
            ?? throw new ImageRejectedException(ImageRejectionReason.UnknownFormat, "The data is not a JPEG, PNG, GIF, WebP or BMP image.");
        var info = Image.Identify(Configuration, encoded, out _)
            ?? throw new ImageRejectedException(ImageRejectionReason.UnknownFormat, $"No {format.Name} header could be read.");
        CheckSize(info.Width, info.Height);
        return (format, info);
    }

    /// <summary>The resampler's intermediate (every source row at the crop's width, up to 4 channels) and the crop, with room to spare.</summary>
    private static long WorkingRows(int width, int height, int cropWidth) => ((long)Math.Max(width, height) * cropWidth * 4) + (1 << 20);

    private static int OrientationOf(ExifProfile? exif) => exif?.GetValue(ExifTag.Orientation) is { } value ? value.Value : 0;

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
        // One buffer per image, so decoded pixels are handed to the resampler without a copy.
        configuration.PreferContiguousImageBuffers = true;
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

    /// <summary>The image's pixels as RGB or RGBA bytes, without a copy when it already holds one of those layouts; takes ownership of <paramref name="image"/>.</summary>
    private DecodedImage Unpack(Image image, PilMode mode)
    {
        switch (image)
        {
            case Image<Rgb24> rgb:
                return Own(rgb, mode);
            case Image<Rgba32> rgba:
                return Own(rgba, mode);
            case Image<Rgb48> or Image<Rgba64> or Image<L16> or Image<La32>:
                return HighBytes(image, mode);
            default:
                using (image)
                {
                    return mode == PilMode.Rgba ? Own(image.CloneAs<Rgba32>(Configuration), mode) : Own(image.CloneAs<Rgb24>(Configuration), mode);
                }
        }
    }

    /// <summary>The image's own pixel buffer when it is one block, else a pooled copy; takes ownership of <paramref name="image"/>.</summary>
    private static DecodedImage Own<TPixel>(Image<TPixel> image, PilMode mode)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var wrapped = DecodedImage.Wrap(image, mode);
        if (wrapped is not null)
        {
            return wrapped;
        }

        using (image)
        {
            var copy = DecodedImage.Rent(image.Width, image.Height, Unsafe.SizeOf<TPixel>(), mode);
            image.CopyPixelDataTo(copy.Memory.Span);
            return copy;
        }
    }

    /// <summary>Pillow unpacks 16-bit samples by keeping the high byte; ImageSharp would round v/257.</summary>
    private DecodedImage HighBytes(Image image, PilMode mode)
    {
        using (image)
        {
            using var wide = image.CloneAs<Rgba64>(Configuration);
            var channels = mode == PilMode.Rgba ? 4 : 3;
            var decoded = DecodedImage.Rent(wide.Width, wide.Height, channels, mode);
            var memory = decoded.Memory;
            wide.ProcessPixelRows(accessor =>
            {
                var pixels = memory.Span;
                for (var y = 0; y < accessor.Height; y++)
                {
                    var offset = y * accessor.Width * channels;
                    foreach (var pixel in accessor.GetRowSpan(y))
                    {
                        pixels[offset] = (byte)(pixel.R >> 8);
                        pixels[offset + 1] = (byte)(pixel.G >> 8);
                        pixels[offset + 2] = (byte)(pixel.B >> 8);
                        if (channels == 4)
                        {
                            pixels[offset + 3] = (byte)(pixel.A >> 8);
                        }

                        offset += channels;
                    }
                }
            });
            return decoded;
        }
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
