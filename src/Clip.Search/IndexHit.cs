namespace Clip.Search;

/// <summary>One image the index ranked: its image id and the cosine of its embedding to the query.</summary>
public readonly record struct IndexHit(long ImageId, float Cosine);
