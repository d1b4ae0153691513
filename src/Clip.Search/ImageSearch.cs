using Clip.Persistence;

namespace Clip.Search;

/// <summary>
/// Searches the labelled images of one model by an embedding (a text's, or an example image's): refreshes the local
/// index from SQL, ranks it exactly, filters in SQL, and describes the hits from SQL, so an image SQL no longer has is
/// never returned.
/// </summary>
/// <param name="store">The results database.</param>
/// <param name="indexRoot">Where the indexes are kept.</param>
/// <param name="timeProvider">The clock of index refreshes; the system's by default.</param>
public sealed class ImageSearch(ILabelStore store, string indexRoot, TimeProvider? timeProvider = null)
{
    /// <summary><c>$XDG_CACHE_HOME/clip-workers/search-index</c>, beside the class-matrix cache: where the CLI and the review app keep indexes by default.</summary>
    public static string DefaultIndexRoot() =>
        Path.Combine(Path.GetDirectoryName(Clip.Inference.ZeroShot.ZeroShotOptions.DefaultCacheDirectory())!, "search-index");

    /// <summary>The folder of the index of this database's embeddings from <paramref name="modelId"/>.</summary>
    public string FolderFor(string modelId) => EmbeddingIndexBuilder.FolderFor(indexRoot, store.Target, modelId);

    /// <summary>Brings the model's index up to date (or rebuilds it).</summary>
    public Task<IndexRefresh> RefreshAsync(string modelId, bool rebuild = false, CancellationToken cancellationToken = default) =>
        EmbeddingIndexBuilder.RefreshAsync(store, FolderFor(modelId), modelId, rebuild, timeProvider, cancellationToken);

    /// <summary>The stored images of <paramref name="modelId"/> most similar to <paramref name="query"/>, an L2-normalised embedding.</summary>
    /// <param name="modelId">The model whose embeddings are searched (the query must come from it).</param>
    /// <param name="query">The query embedding.</param>
    /// <param name="options">How many, how similar, which images.</param>
    /// <param name="exclude">An image to leave out (the example itself, when searching by a stored image).</param>
    /// <param name="cancellationToken">Stops the search.</param>
    public async Task<SearchResults> SearchAsync(string modelId, float[] query, SearchOptions options, long? exclude = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(options);
        var refresh = options.Refresh ? await RefreshAsync(modelId, cancellationToken: cancellationToken) : null;
        using var index = EmbeddingIndex.Open(FolderFor(modelId), modelId);
        if (index is null)
        {
            return new SearchResults([], refresh, 0);
        }

        var allowed = options.Filter is { IsEmpty: false } filter ? await store.FilterImagesAsync(modelId, filter, cancellationToken) : null;
        Predicate<long>? allow = (allowed, exclude) switch
        {
            (null, null) => null,
            (null, { } excluded) => id => id != excluded,
            ({ } set, null) => set.Contains,
            ({ } set, { } excluded) => id => id != excluded && set.Contains(id),
        };

        var hits = index.Search(query, Math.Min(options.Top, LabelStore.MaxLabelledLookup), options.MinCosine, allow);
        var described = (await store.DescribeImagesAsync([.. hits.Select(h => h.ImageId)], modelId, options.Filter?.TaxonomyVersion, cancellationToken))
            .ToDictionary(d => d.ImageId);
        return new SearchResults(
            [.. hits.Where(h => described.ContainsKey(h.ImageId)).Select(h => new SearchResult(described[h.ImageId], h.Cosine))],
            refresh,
            index.Count);
    }

    /// <summary>
    /// Finds the model's near-duplicate groups among its indexed images (refreshed first, unless told not to) and
    /// replaces the ones stored in <c>duplicate_groups</c> with them.
    /// </summary>
    public async Task<(IReadOnlyList<DuplicateGroup> Groups, long Indexed)> FindDuplicatesAsync(
        string modelId, float minCosine = NearDuplicateFinder.DefaultMinCosine, bool refresh = true, CancellationToken cancellationToken = default)
    {
        if (refresh)
        {
            await RefreshAsync(modelId, cancellationToken: cancellationToken);
        }

        using var index = EmbeddingIndex.Open(FolderFor(modelId), modelId);
        if (index is null)
        {
            await store.ReplaceDuplicateGroupsAsync(modelId, [], minCosine, cancellationToken);
            return ([], 0);
        }

        using var finder = new NearDuplicateFinder();
        var groups = finder.Find(index, minCosine);
        await store.ReplaceDuplicateGroupsAsync(
            modelId, [.. groups.SelectMany(g => g.Members.Select(m => new DuplicateMember(g.GroupId, m.ImageId, m.CosineToFirst)))], Math.Round(minCosine, 4), cancellationToken);
        return (groups, index.Count);
    }

    /// <summary>The stored embedding of the newest indexed version of <paramref name="sourceUri"/>, with its image id; null when not indexed.</summary>
    public (long ImageId, float[] Vector)? FindExample(string modelId, string sourceUri)
    {
        using var index = EmbeddingIndex.Open(FolderFor(modelId), modelId);
        return index?.Find(EmbeddingIndexBuilder.SourceHash(sourceUri));
    }
}
