namespace Clip.Inference.Imaging;

/// <summary>torchvision's center_crop on interleaved RGB: zero padding where the crop is larger.</summary>
internal static class CenterCrop
{
    public static byte[] Apply(byte[] rgb, int width, int height, int cropWidth, int cropHeight)
    {
        var left = Offset(width, cropWidth);
        var top = Offset(height, cropHeight);
        var result = new byte[cropWidth * cropHeight * 3];
        var columnsFrom = Math.Max(0, -left);
        var columnsTo = Math.Min(cropWidth, width - left);
        for (var y = 0; y < cropHeight; y++)
        {
            var sourceY = y + top;
            if (sourceY < 0 || sourceY >= height || columnsTo <= columnsFrom)
            {
                continue;
            }

            rgb.AsSpan((((sourceY * width) + left + columnsFrom) * 3), (columnsTo - columnsFrom) * 3)
                .CopyTo(result.AsSpan(((y * cropWidth) + columnsFrom) * 3));
        }

        return result;
    }

    /// <summary>
    /// int(round((size - crop) / 2.0)) with Python's half-to-even rounding; a smaller image is
    /// first padded by (crop - size) // 2 before it, which puts it at that negative offset.
    /// </summary>
    internal static int Offset(int size, int crop) =>
        crop > size ? -((crop - size) / 2) : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);
}
