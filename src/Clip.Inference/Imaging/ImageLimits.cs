using System.ComponentModel.DataAnnotations;

namespace Clip.Inference.Imaging;

/// <summary>Bounds on what an uploaded image may cost to decode, and how JPEGs are decoded; bound from <see cref="SectionName"/>.</summary>
public sealed class ImageLimits
{
    public const string SectionName = "Clip:Images";

    /// <summary>Largest accepted encoded file, in bytes.</summary>
    [Range(typeof(long), "1", "2147483591")]
    public long MaxEncodedBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Largest accepted width × height, checked on the declared size before decoding.</summary>
    [Range(typeof(long), "1", "1000000000")]
    public long MaxPixels { get; set; } = 40_000_000;

    /// <summary>Largest accepted width or height.</summary>
    [Range(1, 65_535)]
    public int MaxDimension { get; set; } = 20_000;

    /// <summary>Most animation frames a GIF or WebP may declare; only the first is decoded.</summary>
    [Range(1, 1_000_000)]
    public int MaxFrames { get; set; } = 100;

    /// <summary>
    /// Exact or DCT-scaled JPEG decoding; only libjpeg-turbo scales, the ImageSharp fallback is always exact. Fast by
    /// default, for the worker: large photos prepare 2–4× faster for a tensor that differs by about 0.003 on average
    /// (README, "Performance"). The <c>clip</c> commands default to exact.
    /// </summary>
    [EnumDataType(typeof(JpegDecode))]
    public JpegDecode JpegDecode { get; set; } = JpegDecode.Fast;
}
