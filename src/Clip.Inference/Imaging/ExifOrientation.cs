namespace Clip.Inference.Imaging;

/// <summary>
/// Turns a frame stored with an EXIF orientation (2–8) upright, as ImageSharp's AutoOrient does, on
/// interleaved samples: each output pixel is read from the stored position the tag maps it to.
/// </summary>
internal static class ExifOrientation
{
    private static bool Transposes(int orientation) => orientation is >= 5 and <= 8;

    /// <summary>The upright image; <paramref name="stored"/> is returned unchanged for 1 or an unknown value, else disposed.</summary>
    public static DecodedImage Apply(DecodedImage stored, int orientation)
    {
        if (orientation is < 2 or > 8)
        {
            return stored;
        }

        using (stored)
        {
            var transposes = Transposes(orientation);
            var (width, height) = transposes ? (stored.Height, stored.Width) : (stored.Width, stored.Height);
            var source = transposes ? new ImageSize(stored.Source.Height, stored.Source.Width) : stored.Source;
            var upright = DecodedImage.Rent(width, height, stored.Channels, stored.Mode, source);
            Transform(stored.Pixels, stored.Width, stored.Height, stored.Channels, orientation, upright.Memory.Span, width, height);
            return upright;
        }
    }

    private static void Transform(ReadOnlySpan<byte> source, int sourceWidth, int sourceHeight, int channels, int orientation, Span<byte> result, int width, int height)
    {
        // Source index of output (0, 0) and the source steps for one output column and one output row.
        var (origin, column, row) = orientation switch
        {
            2 => (Index(sourceWidth - 1, 0), -1, sourceWidth),
            3 => (Index(sourceWidth - 1, sourceHeight - 1), -1, -sourceWidth),
            4 => (Index(0, sourceHeight - 1), 1, -sourceWidth),
            5 => (Index(0, 0), sourceWidth, 1),
            6 => (Index(0, sourceHeight - 1), -sourceWidth, 1),
            7 => (Index(sourceWidth - 1, sourceHeight - 1), -sourceWidth, -1),
            _ => (Index(sourceWidth - 1, 0), sourceWidth, -1),
        };

        var output = 0;
        for (var y = 0; y < height; y++)
        {
            var from = origin + (y * row);
            for (var x = 0; x < width; x++, from += column, output += channels)
            {
                source.Slice(from * channels, channels).CopyTo(result.Slice(output, channels));
            }
        }

        int Index(int x, int y) => (y * sourceWidth) + x;
    }
}
