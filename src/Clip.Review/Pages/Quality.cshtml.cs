using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Caching.Memory;

namespace Clip.Review.Pages;

/// <summary>Per label: images, abstain rate, reviewed count and model–reviewer agreement; per head: its metrics and promotion history.</summary>
public sealed class QualityModel(ReviewQueries queries, LabelStore store, KnownTaxonomies taxonomies, IMemoryCache cache, TimeProvider time) : PageModel
{
    /// <summary>How long the per-label figures are reused: they aggregate every latest run, seconds of work on a million.</summary>
    public static readonly TimeSpan FiguresLifetime = TimeSpan.FromMinutes(1);

    [BindProperty(SupportsGet = true)]
    public string? Model { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Taxonomy { get; set; }

    /// <summary>The filter form's model and taxonomy in one value, <c>model|taxonomyVersion</c>.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Set { get; set; }

    public IReadOnlyList<LabelledSet> Sets { get; private set; } = [];

    public LabelledSet? Chosen { get; private set; }

    public IReadOnlyList<LabelQuality> Labels { get; private set; } = [];

    public IReadOnlyList<HeadSummary> Heads { get; private set; } = [];

    public IReadOnlyList<HeadPromotion> Promotions { get; private set; } = [];

    public KnownTaxonomies Taxonomies => taxonomies;

    /// <summary>When the per-label figures were computed.</summary>
    public DateTimeOffset FiguresAt { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Set?.Split('|') is [var model, var taxonomy])
        {
            (Model, Taxonomy) = (model, taxonomy);
        }

        Sets = await queries.ListLabelledSetsAsync(cancellationToken);
        Chosen = LabelledSets.Choose(Sets, Model, Taxonomy, taxonomies);
        if (Chosen is null)
        {
            return Sets.Count == 0 ? Page() : NotFound();
        }

        var key = ("quality", Chosen.ModelId, Chosen.TaxonomyVersion);
        if (!cache.TryGetValue(key, out (IReadOnlyList<LabelQuality> Labels, DateTimeOffset At) figures))
        {
            figures = (await queries.ReadLabelQualityAsync(Chosen.ModelId, Chosen.TaxonomyVersion, cancellationToken), time.GetUtcNow());
            cache.Set(key, figures, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = FiguresLifetime, Size = 64L * figures.Labels.Count + 64 });
        }

        (Labels, FiguresAt) = figures;
        Heads = await store.ListHeadsAsync(Chosen.ModelId, Chosen.TaxonomyVersion, cancellationToken);
        Promotions = await queries.ReadPromotionHistoryAsync(Chosen.ModelId, Chosen.TaxonomyVersion, cancellationToken);
        return Page();
    }
}
