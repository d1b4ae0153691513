namespace Clip.Inference.Imaging;

/// <summary>Pillow's RGBA ↔ RGBa conversions on single samples and interleaved RGBA rows.</summary>
internal static class PixelPlanes
{
    /// <summary>Pillow's rgbA2rgba on a row of interleaved RGBA, in place.</summary>
    public static void PremultiplyInPlace(Span<byte> rgba)
    {
        for (var i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            rgba[i] = MulDiv255(rgba[i], alpha);
            rgba[i + 1] = MulDiv255(rgba[i + 1], alpha);
            rgba[i + 2] = MulDiv255(rgba[i + 2], alpha);
        }
    }

    /// <summary>Pillow's rgba2rgbA: colour × 255 / alpha truncated, left alone at alpha 0 or 255.</summary>
    public static byte Unpremultiply(byte value, byte alpha) =>
        alpha is 0 or 255 ? value : (byte)Math.Min(255, 255 * value / alpha);

    /// <summary>Each colour times alpha / 255 with Pillow's MULDIV255 rounding.</summary>
    public static byte MulDiv255(int value, int alpha)
    {
        var product = (value * alpha) + 128;
        return (byte)(((product >> 8) + product) >> 8);
    }
}
