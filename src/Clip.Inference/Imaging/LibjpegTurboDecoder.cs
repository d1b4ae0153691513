using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Imaging;

/// <summary>
/// Decodes YCbCr, RGB and greyscale JPEGs to RGB with libjpeg-turbo, bit for bit as Pillow does.
/// A greyscale file comes out with R = G = B, which resizes exactly like Pillow's mode L.
/// </summary>
internal static class LibjpegTurboDecoder
{
    /// <summary>
    /// The image as stored, carrying <paramref name="exif"/> for AutoOrient; null for CMYK and YCCK files, which are
    /// left to ImageSharp. <paramref name="checkSize"/> sees the declared size before the pixel buffer exists.
    /// </summary>
    /// <exception cref="ImageRejectedException">libjpeg-turbo cannot read the file.</exception>
    public static Image<Rgb24>? TryDecode(byte[] jpeg, ExifProfile? exif, Configuration configuration, Action<int, int> checkSize)
    {
        using var decompressor = LibjpegTurbo.Open();
        if (!LibjpegTurbo.TryReadHeader(decompressor, jpeg, out var width, out var height, out var colorspace))
        {
            throw Corrupt(decompressor);
        }

        // A tables-only stream reads as a header without a frame.
        if (width <= 0 || height <= 0)
        {
            throw new ImageRejectedException(ImageRejectionReason.Corrupt, "The JPEG declares no image frame.");
        }

        if (colorspace is not (LibjpegTurbo.ColorspaceRgb or LibjpegTurbo.ColorspaceYCbCr or LibjpegTurbo.ColorspaceGray))
        {
            return null;
        }

        checkSize(width, height);
        var rgb = GC.AllocateUninitializedArray<byte>(checked(width * height * 3));
        if (!LibjpegTurbo.TryDecompressRgb(decompressor, jpeg, rgb, width, height))
        {
            throw Corrupt(decompressor);
        }

        var image = Image.LoadPixelData<Rgb24>(configuration, rgb, width, height);
        image.Metadata.ExifProfile = exif;
        return image;
    }

    private static ImageRejectedException Corrupt(LibjpegTurbo.Decompressor decompressor) =>
        new(ImageRejectionReason.Corrupt, $"The JPEG could not be decoded: {LibjpegTurbo.Error(decompressor)}.");
}
