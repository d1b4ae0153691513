namespace Clip.Inference.Imaging;

/// <summary>
/// Decodes YCbCr, RGB and greyscale JPEGs to interleaved RGB with libjpeg-turbo, bit for bit as Pillow does.
/// A greyscale file comes out with R = G = B, which resizes exactly like Pillow's mode L.
/// </summary>
internal static class LibjpegTurboDecoder
{
    private static readonly int[] DraftDenominators = [8, 4, 2];

    /// <summary>
    /// The image as stored (EXIF orientation not applied); null for CMYK and YCCK files, which are left to ImageSharp.
    /// <paramref name="checkSize"/> sees the declared size before the pixel buffer exists. With
    /// <paramref name="draftShortSide"/> above 0, decodes at the smallest DCT scale whose short side stays at least that long.
    /// </summary>
    /// <exception cref="ImageRejectedException">libjpeg-turbo cannot read the file.</exception>
    public static DecodedImage? TryDecode(byte[] jpeg, int draftShortSide, Action<int, int> checkSize)
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
        var (scaledWidth, scaledHeight) = ScaledSize(width, height, draftShortSide);
        var image = DecodedImage.Rent(scaledWidth, scaledHeight, 3, PilMode.Rgb, new ImageSize(width, height));
        if (!LibjpegTurbo.TryDecompressRgb(decompressor, jpeg, image.Memory.Span, image.Width, image.Height))
        {
            image.Dispose();
            throw Corrupt(decompressor);
        }

        return image;
    }

    /// <summary>
    /// The size a <paramref name="width"/> × <paramref name="height"/> JPEG decodes to: at the smallest DCT scale whose
    /// short side stays at least <paramref name="draftShortSide"/>, or full size when that is 0.
    /// </summary>
    public static (int Width, int Height) ScaledSize(int width, int height, int draftShortSide)
    {
        var denominator = draftShortSide > 0
            ? DraftDenominators.FirstOrDefault(d => Scaled(Math.Min(width, height), d) >= draftShortSide, 1)
            : 1;
        return (Scaled(width, denominator), Scaled(height, denominator));
    }

    /// <summary>libjpeg's scaled size: the side times 1/denominator, rounded up.</summary>
    private static int Scaled(int side, int denominator) => (side + denominator - 1) / denominator;

    private static ImageRejectedException Corrupt(LibjpegTurbo.Decompressor decompressor) =>
        new(ImageRejectionReason.Corrupt, $"The JPEG could not be decoded: {LibjpegTurbo.Error(decompressor)}.");
}
