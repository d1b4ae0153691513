using Clip.Persistence.Review;
using Clip.Review.Hosting;

namespace Clip.Review.Pages;

/// <summary>Which model and taxonomy a page shows: the one asked for (a taxonomy by version or known name), else the most recently used.</summary>
public static class LabelledSets
{
    public static LabelledSet? Choose(IReadOnlyList<LabelledSet> sets, string? model, string? taxonomy, KnownTaxonomies known)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(known);
        return sets.FirstOrDefault(s =>
            (string.IsNullOrEmpty(model) || s.ModelId == model)
            && (string.IsNullOrEmpty(taxonomy) || s.TaxonomyVersion == taxonomy || known.Find(s.TaxonomyVersion)?.Name == taxonomy));
    }
}
