namespace Clip.Inference.Imaging;

/// <summary>Why an encoded image was refused.</summary>
public enum ImageRejectionReason
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>More encoded bytes than <see cref="ImageLimits.MaxEncodedBytes"/>.</summary>
    TooManyBytes,

    /// <summary>Not a JPEG, PNG, GIF, WebP or BMP.</summary>
    UnknownFormat,

    /// <summary>A known format, but truncated or malformed.</summary>
    Corrupt,

    /// <summary>More pixels than <see cref="ImageLimits.MaxPixels"/>, or decoding would need more memory than they allow.</summary>
    TooManyPixels,

    /// <summary>A side longer than <see cref="ImageLimits.MaxDimension"/>.</summary>
    DimensionTooLarge,

    /// <summary>More animation frames than <see cref="ImageLimits.MaxFrames"/>.</summary>
    TooManyFrames,

    /// <summary>A valid file using a feature the decoder does not implement.</summary>
    Unsupported,

    /// <summary>Decoding it would need more memory than <see cref="ImageLimits.DecodeMemoryBudget"/> allows all images together.</summary>
    OverMemoryBudget,
}
