namespace Clip.Persistence;

/// <summary>
/// A trained classifier head. <see cref="Weights"/> is opaque here (a codec outside persistence writes it);
/// <see cref="MetricsJson"/> and <see cref="TrainingJson"/> are JSON text; <see cref="Alpha"/> is the weight-space
/// mixing with zero-shot. <see cref="PromotedAt"/> is when it was last promoted, kept after a demotion.
/// </summary>
public sealed record StoredHead(
    string Version,
    string ModelId,
    string TaxonomyVersion,
    byte[] Weights,
    string MetricsJson,
    double Alpha,
    string TrainingJson,
    DateTimeOffset CreatedAt,
    bool IsPromoted = false,
    DateTimeOffset? PromotedAt = null);

/// <summary>A head without its weights, for listings and for polling which head is promoted.</summary>
public sealed record HeadSummary(
    string Version,
    string ModelId,
    string TaxonomyVersion,
    long WeightsBytes,
    string MetricsJson,
    double Alpha,
    DateTimeOffset CreatedAt,
    bool IsPromoted,
    DateTimeOffset? PromotedAt);
