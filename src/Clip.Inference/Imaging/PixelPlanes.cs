namespace Clip.Inference.Imaging;

/// <summary>Pillow's RGBA ↔ RGBa conversions and convert('RGB') on interleaved bytes.</summary>
internal static class PixelPlanes
{
    /// <summary>convert('RGB') from RGBA: alpha is discarded, never composited.</summary>
    public static byte[] DropAlpha(byte[] rgba)
    {
        var rgb = new byte[rgba.Length / 4 * 3];
        for (int from = 0, to = 0; from < rgba.Length; from += 4, to += 3)
        {
            rgb[to] = rgba[from];
            rgb[to + 1] = rgba[from + 1];
            rgb[to + 2] = rgba[from + 2];
        }

        return rgb;
    }

    /// <summary>Pillow's rgbA2rgba: each colour times alpha / 255 with its MULDIV255 rounding.</summary>
    public static byte[] Premultiply(byte[] rgba)
    {
        var result = new byte[rgba.Length];
        for (var i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            result[i] = MulDiv255(rgba[i], alpha);
            result[i + 1] = MulDiv255(rgba[i + 1], alpha);
            result[i + 2] = MulDiv255(rgba[i + 2], alpha);
            result[i + 3] = (byte)alpha;
        }

        return result;
    }

    /// <summary>Pillow's rgba2rgbA: colour × 255 / alpha truncated, left alone at alpha 0 or 255.</summary>
    public static byte[] Unpremultiply(byte[] rgba)
    {
        for (var i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            if (alpha is 0 or 255)
            {
                continue;
            }

            for (var c = i; c < i + 3; c++)
            {
                rgba[c] = (byte)Math.Min(255, 255 * rgba[c] / alpha);
            }
        }

        return rgba;
    }

    private static byte MulDiv255(int value, int alpha)
    {
        var product = (value * alpha) + 128;
        return (byte)(((product >> 8) + product) >> 8);
    }
}
