namespace Clip.Persistence;

/// <summary>What happened to one image in a batch: labelled, or failed at some stage.</summary>
/// <param name="SourceUri">The blob URL or file path, stored verbatim.</param>
public abstract record ImageOutcome(string SourceUri);

/// <summary>
/// An image the model labelled (possibly abstaining) with one model, taxonomy version and head. EtagOrHash is the
/// blob ETag, or the content SHA-256 of a local file; HeadVersion is null for pure zero-shot.
/// </summary>
public sealed record LabelledImage(
    string SourceUri,
    string EtagOrHash,
    long SizeBytes,
    int Width,
    int Height,
    string ModelId,
    string TaxonomyVersion,
    string? HeadVersion,
    IReadOnlyList<AssignedLabel> Labels,
    bool Abstained,
    string? AbstainReason,
    StageTimings Timings) : ImageOutcome(SourceUri)
{
    /// <summary>The image embedding, stored for retraining and similarity queries; empty stores none.</summary>
    public ReadOnlyMemory<float> Embedding { get; init; }
}

/// <summary>
/// An image that could not be labelled, recorded as a failure row. Reason is a short code people group by
/// (<c>not_an_image</c>, <c>too_large</c>); EtagOrHash is null when the failure came before it was known.
/// </summary>
public sealed record FailedImage(
    string SourceUri,
    string? EtagOrHash,
    FailureStage Stage,
    string Reason,
    string? Detail) : ImageOutcome(SourceUri);

/// <summary>One label given to an image; <paramref name="Rank"/> starts at 1.</summary>
public sealed record AssignedLabel(string LabelId, string DisplayName, double Score, double Cosine, double Probability, int Rank);

/// <summary>Wall-clock milliseconds spent on one image.</summary>
public sealed record StageTimings(double DecodeMs, double EncodeMs, double TotalMs);

/// <summary>The pipeline stage where an image failed; stored in lower case.</summary>
public enum FailureStage
{
    Event,
    Validate,
    Download,
    Decode,
    Encode,
    Write,
}
