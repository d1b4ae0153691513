namespace Clip.Persistence;

/// <summary>One stored image embedding, as the search index reads it.</summary>
/// <param name="ImageId">The image row: one (source, version) of an image.</param>
/// <param name="SourceUri">Where the image came from; a newer version of the same source supersedes this one.</param>
/// <param name="Vector">The L2-normalised embedding.</param>
/// <param name="CreatedAt">When the embedding was written (or last rewritten).</param>
public sealed record StoredEmbedding(long ImageId, string SourceUri, float[] Vector, DateTimeOffset CreatedAt);

/// <summary>What a search shows for one image: where it is, and its rank-1 label under the latest run.</summary>
/// <param name="ImageId">The image row.</param>
/// <param name="SourceUri">Where the image came from.</param>
/// <param name="EtagOrHash">Its version.</param>
/// <param name="LabelId">The rank-1 label of its latest run with the model (of the taxonomy asked for, if one was); null when it abstained or has no run.</param>
/// <param name="Probability">That label's probability.</param>
/// <param name="TaxonomyVersion">The taxonomy version of that run.</param>
public sealed record ImageSummary(long ImageId, string SourceUri, string EtagOrHash, string? LabelId, double? Probability, string? TaxonomyVersion);

/// <summary>Which images a search may return; null members match everything.</summary>
/// <param name="TaxonomyVersion">Images with a run of this taxonomy version (and the model).</param>
/// <param name="LabelId">Images whose rank-1 label is this (under <paramref name="TaxonomyVersion"/> when given).</param>
/// <param name="Since">Images first seen at or after this time.</param>
public sealed record ImageFilter(string? TaxonomyVersion = null, string? LabelId = null, DateTimeOffset? Since = null)
{
    public bool IsEmpty => TaxonomyVersion is null && LabelId is null && Since is null;
}

/// <summary>One image of a near-duplicate group.</summary>
/// <param name="GroupId">The group's first image (lowest id), the one counts keep.</param>
/// <param name="ImageId">This image.</param>
/// <param name="CosineToFirst">Its embedding's cosine to the first image's (1 for the first).</param>
public sealed record DuplicateMember(long GroupId, long ImageId, double CosineToFirst);

/// <summary>One row of the log of deleted embeddings.</summary>
/// <param name="Id">Its place in the log; ids ascend, but a deletion committed late can have a smaller one.</param>
/// <param name="ImageId">The image whose embedding was deleted; null when every embedding may be gone (a TRUNCATE).</param>
/// <param name="DeletedAt">When it was deleted (before its transaction committed).</param>
public sealed record EmbeddingDeletion(long Id, long? ImageId, DateTimeOffset DeletedAt);
