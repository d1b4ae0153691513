namespace Clip.Persistence;

/// <summary>An image row as stored.</summary>
public sealed record StoredImage(
    string SourceUri,
    string EtagOrHash,
    long? SizeBytes,
    int? Width,
    int? Height,
    string Status,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen)
{
    public const string Labelled = "labelled";
    public const string Failed = "failed";
}

/// <summary>One labelling run of an image with its labels in rank order.</summary>
public sealed record StoredRun(
    string ModelId,
    string TaxonomyVersion,
    string? HeadVersion,
    bool Abstained,
    string? AbstainReason,
    StageTimings Timings,
    DateTimeOffset CreatedAt,
    IReadOnlyList<AssignedLabel> Labels);

/// <summary>How many distinct images carry a label.</summary>
public sealed record LabelCount(string LabelId, string DisplayName, long Images);

/// <summary>How many failures were recorded with a reason.</summary>
public sealed record FailureCount(string Reason, long Failures);

/// <summary>A failure row as stored: the latest detail and time, and how often the same failure occurred.</summary>
public sealed record StoredFailure(
    string SourceUri,
    string? EtagOrHash,
    FailureStage Stage,
    string Reason,
    string? Detail,
    DateTimeOffset OccurredAt,
    int Occurrences = 1);
