namespace Clip.Persistence;

/// <summary>
/// A human-verified label for one image. With <see cref="EtagOrHash"/> null the most recently seen content of
/// <see cref="SourceUri"/> is meant.
/// </summary>
public sealed record FeedbackEntry(string SourceUri, string? EtagOrHash, string LabelId, string TaxonomyVersion, string VerifiedBy, string? Note);

/// <summary>One training example: an image's stored embedding and its latest verified label.</summary>
public sealed record LabelledEmbedding(long ImageId, string SourceUri, string LabelId, float[] Embedding);

/// <summary>How many training examples carry a label.</summary>
public sealed record FeedbackCount(string LabelId, long Images);
