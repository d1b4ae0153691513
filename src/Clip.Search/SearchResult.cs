using Clip.Persistence;

namespace Clip.Search;

/// <summary>One image a search found: what SQL says about it, and its cosine to the query.</summary>
public sealed record SearchResult(ImageSummary Image, float Cosine);

/// <summary>What a search returns, and how current the index was.</summary>
/// <param name="Results">Best first.</param>
/// <param name="Refresh">What the refresh before the search did; null when it was skipped.</param>
/// <param name="Indexed">Images the index serves for the model.</param>
public sealed record SearchResults(IReadOnlyList<SearchResult> Results, IndexRefresh? Refresh, long Indexed);

/// <summary>How to search.</summary>
/// <param name="Top">How many results at most.</param>
/// <param name="MinCosine">Leave out results below this cosine.</param>
/// <param name="Filter">Which images may be returned (in SQL).</param>
/// <param name="Refresh">Bring the index up to date with SQL first.</param>
public sealed record SearchOptions(int Top = 20, float MinCosine = -1f, ImageFilter? Filter = null, bool Refresh = true);
