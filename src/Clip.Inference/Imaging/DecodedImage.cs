namespace Clip.Inference.Imaging;

/// <summary>How Pillow would hold the decoded file, which decides how it resizes it.</summary>
internal enum PilMode
{
    /// <summary>RGB or L: every channel resampled with the configured filter.</summary>
    Rgb,

    /// <summary>RGBA or LA: resampled premultiplied by alpha, then unpremultiplied.</summary>
    Rgba,

    /// <summary>P or 1: Pillow always resizes palette images with nearest neighbour.</summary>
    Palette,
}

/// <summary>An upright decoded frame as interleaved 8-bit RGBA.</summary>
internal sealed record DecodedImage(byte[] Rgba, int Width, int Height, PilMode Mode);
