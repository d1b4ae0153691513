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
    /// Bytes of decoded pixels the worker may hold across all images it prepares at once; an image waits for room
    /// before it is decoded, and one whose decode alone needs more is refused (<c>over_memory_budget</c>). 0: a quarter
    /// of the memory the process may use (the container's limit when it has one), at most 512 MiB. The Helm chart
    /// sets it from the pod's memory limit.
    /// </summary>
    [Range(typeof(long), "0", "1099511627776")]
    public long DecodeMemoryBudget { get; set; }

    /// <summary>The effective <see cref="DecodeMemoryBudget"/>.</summary>
    public long EffectiveDecodeMemoryBudget => DecodeMemoryBudget > 0
        ? DecodeMemoryBudget
        : Math.Min(512L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    /// <summary>
    /// Exact or DCT-scaled JPEG decoding; only libjpeg-turbo scales, the ImageSharp fallback is always exact. Fast by
    /// default, for the worker: large photos prepare 2–4× faster for a tensor that differs by about 0.003 on average
    /// (README, "Performance"). The <c>clip</c> commands default to exact.
    /// </summary>
    [EnumDataType(typeof(JpegDecode))]
    public JpegDecode JpegDecode { get; set; } = JpegDecode.Fast;
}
