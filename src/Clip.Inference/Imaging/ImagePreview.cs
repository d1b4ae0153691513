using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Clip.Inference.Imaging;

/// <summary>
/// Renders an image for people to look at: decoded within <see cref="ImageLimits"/> by the labeling decoder (so a
/// hostile file is refused the same way), upright, scaled to fit a square of <c>maxSide</c> pixels (never enlarged),
/// transparency flattened onto white, and re-encoded as a baseline JPEG. What leaves is always a fresh JPEG, never the
/// stored bytes, so a file that is also HTML or SVG cannot reach a browser as such.
/// </summary>
public sealed class ImagePreview(ImageLimits limits)
{
    private readonly ImageDecoder _decoder = new(limits);

    /// <summary>The JPEG preview.</summary>
    /// <exception cref="ImageRejectedException">The bytes are not a decodable image within the limits.</exception>
    public byte[] RenderJpeg(byte[] encoded, int maxSide, int quality = 80)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 16);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSide, 4096);

        // libjpeg-turbo may scale a large JPEG down in the DCT domain while it still covers maxSide on its short side.
        using var decoded = _decoder.Decode(encoded, draftShortSide: maxSide);
        using var image = decoded.Channels == 4
            ? (Image)Image.LoadPixelData<Rgba32>(decoded.Pixels, decoded.Width, decoded.Height)
            : Image.LoadPixelData<Rgb24>(decoded.Pixels, decoded.Width, decoded.Height);
        image.Mutate(x =>
        {
            if (image.Width > maxSide || image.Height > maxSide)
            {
                x.Resize(new ResizeOptions { Size = new Size(maxSide, maxSide), Mode = ResizeMode.Max, Sampler = KnownResamplers.Bicubic });
            }

            x.BackgroundColor(Color.White);
        });
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = quality, ColorType = JpegColorType.YCbCrRatio420 });
        return output.ToArray();
    }
}
