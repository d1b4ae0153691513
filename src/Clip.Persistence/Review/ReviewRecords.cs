namespace Clip.Persistence.Review;

/// <summary>Which runs a queue filter keeps by head.</summary>
public enum HeadFilter
{
    /// <summary>Runs of any head, and zero-shot runs.</summary>
    Any,

    /// <summary>Zero-shot runs only (no trained head).</summary>
    ZeroShot,

    /// <summary>Runs of the head <see cref="QueueFilter.HeadVersion"/>.</summary>
    Version,
}

/// <summary>
/// Which latest runs the review queue shows. <see cref="ModelId"/> and <see cref="TaxonomyVersion"/> are required;
/// the rest narrow it. Probabilities are the rank-1 label's; dates are the run's, <see cref="Until"/> exclusive.
/// </summary>
public sealed record QueueFilter(
    string ModelId,
    string TaxonomyVersion,
    string? LabelId = null,
    bool? Abstained = null,
    double MinProbability = 0,
    double MaxProbability = 1,
    HeadFilter Head = HeadFilter.Any,
    string? HeadVersion = null,
    bool UnreviewedOnly = false,
    DateTimeOffset? From = null,
    DateTimeOffset? Until = null);

/// <summary>Where the next queue page starts: after this (probability, run id).</summary>
public sealed record QueueCursor(double Probability, long RunId)
{
    /// <summary>The cursor as URL-safe text: <c>probability~runId</c>, the probability round-trippable.</summary>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Probability:R}~{RunId}");

    /// <summary>Reads <see cref="ToString"/>'s form; null for anything else.</summary>
    public static QueueCursor? Parse(string? text)
    {
        var parts = text?.Split('~');
        return parts is [var p, var r]
            && double.TryParse(p, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var probability)
            && double.IsFinite(probability)
            && long.TryParse(r, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var runId)
            ? new QueueCursor(probability, runId)
            : null;
    }
}

/// <summary>One label of a run, as stored.</summary>
public sealed record ReviewLabel(string LabelId, string DisplayName, double Probability, double Cosine, int Rank);

/// <summary>A human verdict: the image's right label under a taxonomy, who gave it and when.</summary>
public sealed record Verdict(long Id, long ImageId, string LabelId, string TaxonomyVersion, string VerifiedBy, DateTimeOffset VerifiedAt, string? Note);

/// <summary>One card of the queue: an image's latest run with its rank-1 label, its top labels, and its latest verdict.</summary>
public sealed record QueueCard(
    long RunId,
    long ImageId,
    string SourceUri,
    string EtagOrHash,
    string? HeadVersion,
    bool Abstained,
    string? AbstainReason,
    DateTimeOffset CreatedAt,
    string LabelId,
    string DisplayName,
    double Probability,
    double Cosine,
    IReadOnlyList<ReviewLabel> Alternatives,
    Verdict? LatestVerdict);

/// <summary>A page of the queue and where the next one starts (null on the last page).</summary>
public sealed record QueuePage(IReadOnlyList<QueueCard> Cards, QueueCursor? Next);

/// <summary>A model and taxonomy version that images were labelled with, and when last.</summary>
public sealed record LabelledSet(string ModelId, string TaxonomyVersion, DateTimeOffset LastUsed);

/// <summary>An image row by id.</summary>
public sealed record ReviewImage(long Id, string SourceUri, string EtagOrHash, long? SizeBytes, int? Width, int? Height, string Status, DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>One labelling run of an image, with its labels in rank order.</summary>
public sealed record ReviewRun(
    long RunId, string ModelId, string TaxonomyVersion, string? HeadVersion, bool Abstained, string? AbstainReason, DateTimeOffset CreatedAt, IReadOnlyList<ReviewLabel> Labels);

/// <summary>Another member of an image's near-duplicate group.</summary>
public sealed record DuplicateNeighbour(long ImageId, string SourceUri, double CosineToFirst, bool IsFirst);

/// <summary>
/// A rank-1 label's figures over the latest runs: images, abstentions, images with a verdict, and verdicts that
/// agree with it. <see cref="Precision"/> is agreed / reviewed (null before any review).
/// </summary>
public sealed record LabelQuality(string LabelId, string DisplayName, long Images, long Abstained, long Reviewed, long Agreed)
{
    public double AbstainRate => Images == 0 ? 0 : (double)Abstained / Images;

    public double? Precision => Reviewed == 0 ? null : (double)Agreed / Reviewed;
}

/// <summary>A promotion or rollback of a taxonomy's head.</summary>
public sealed record HeadPromotion(string? Version, string Action, DateTimeOffset ChangedAt);
