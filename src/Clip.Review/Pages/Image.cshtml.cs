using Clip.Inference.Taxonomies;
using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Clip.Review.Pages;

/// <summary>One image: the full view, every run's top-k, its near-duplicates, its verdicts, and a verdict form.</summary>
public sealed class ImageModel(ReviewQueries queries, LabelStore store, KnownTaxonomies taxonomies, ReviewOptions options, ILogger<ImageModel> logger) : PageModel
{
    public ReviewImage? Image { get; private set; }

    public IReadOnlyList<ReviewRun> Runs { get; private set; } = [];

    public IReadOnlyList<Verdict> Feedback { get; private set; } = [];

    public IReadOnlyList<DuplicateNeighbour> Duplicates { get; private set; } = [];

    /// <summary>The run verdicts here apply to: the newest of the asked taxonomy, else the newest.</summary>
    public ReviewRun? Current { get; private set; }

    public Taxonomy? Taxonomy { get; private set; }

    public KnownTaxonomies Taxonomies => taxonomies;

    public async Task<IActionResult> OnGetAsync(long imageId, string? taxonomy, CancellationToken cancellationToken)
    {
        Image = await queries.GetImageAsync(imageId, cancellationToken);
        if (Image is null)
        {
            return NotFound();
        }

        Runs = await queries.GetRunsAsync(imageId, cancellationToken);
        Feedback = await queries.GetFeedbackAsync(imageId, cancellationToken);
        Current = Runs.FirstOrDefault(r => r.TaxonomyVersion == taxonomy) ?? (Runs.Count > 0 ? Runs[0] : null);
        if (Current is not null)
        {
            Taxonomy = taxonomies.Find(Current.TaxonomyVersion);
            Duplicates = await queries.GetDuplicatesAsync(imageId, Current.ModelId, cancellationToken);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostVerdictAsync(long imageId, string? taxonomy, string? labelId, string? kind, CancellationToken cancellationToken)
    {
        var verdict = await Verdicts.RecordAsync(queries, store, taxonomies, imageId, taxonomy, labelId, kind, Reviewer.NameOf(User, options), cancellationToken);
        if (verdict.Problem is not null)
        {
            return new ContentResult { StatusCode = verdict.Status, Content = verdict.Problem, ContentType = "text/plain; charset=utf-8" };
        }

        ReviewLog.VerdictRecorded(logger, imageId, verdict.TaxonomyVersion!, verdict.LabelId!, kind!, verdict.Reviewer!);
        return Verdicts.WantsJson(Request)
            ? new JsonResult(new { imageId, labelId = verdict.LabelId, displayName = verdict.DisplayName, reviewer = verdict.Reviewer, kind })
            : LocalRedirect($"/images/{imageId}?taxonomy={Uri.EscapeDataString(taxonomy!)}");
    }
}
