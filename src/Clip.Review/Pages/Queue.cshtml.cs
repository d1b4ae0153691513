using Clip.Inference.Taxonomies;
using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Clip.Review.Pages;

/// <summary>The review queue: latest runs least confident first, each card accepted or corrected into a feedback row.</summary>
public sealed class QueueModel(ReviewQueries queries, LabelStore store, KnownTaxonomies taxonomies, ReviewOptions options, ILogger<QueueModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public QueueQuery Query { get; set; } = new();

    public IReadOnlyList<LabelledSet> Sets { get; private set; } = [];

    public LabelledSet? Set { get; private set; }

    public Taxonomy? Taxonomy { get; private set; }

    public IReadOnlyList<HeadSummary> Heads { get; private set; } = [];

    public QueuePage? Cards { get; private set; }

    public string? Problem { get; private set; }

    public KnownTaxonomies Taxonomies => taxonomies;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Sets = await queries.ListLabelledSetsAsync(cancellationToken);
        Set = LabelledSets.Choose(Sets, Query.Model, Query.Taxonomy, taxonomies);
        if (Set is null)
        {
            Problem = Sets.Count == 0 ? "Nothing is labelled yet: label images first (clip label, or the worker)." : "No images are labelled with that model and taxonomy.";
            return Sets.Count == 0 ? Page() : NotFoundPage();
        }

        Query.Model = Set.ModelId;
        Query.Taxonomy = Set.TaxonomyVersion;
        Taxonomy = taxonomies.Find(Set.TaxonomyVersion);
        Heads = await store.ListHeadsAsync(Set.ModelId, Set.TaxonomyVersion, cancellationToken);
        if (UnreadableValues.Describe(ModelState) is { } unreadable)
        {
            Problem = unreadable;
            return BadRequestPage();
        }

        var (filter, problem) = Query.ToFilter(Set.ModelId, Set.TaxonomyVersion);
        if (filter is null)
        {
            Problem = problem;
            return BadRequestPage();
        }

        var after = QueueCursor.Parse(Query.After);
        if (Query.After is not null && after is null)
        {
            Problem = "The page cursor is not one this app wrote.";
            return BadRequestPage();
        }

        Cards = await queries.ReadQueueAsync(filter, after, options.PageSize, cancellationToken);
        return Page();
    }

    /// <summary>One verdict: <paramref name="kind"/> "accept" (the model's label is right) or "correct" (this label is).</summary>
    public async Task<IActionResult> OnPostVerdictAsync(long imageId, string? taxonomy, string? labelId, string? kind, string? returnTo, CancellationToken cancellationToken)
    {
        var verdict = await Verdicts.RecordAsync(queries, store, taxonomies, imageId, taxonomy, labelId, kind, Reviewer.NameOf(User, options), cancellationToken);
        if (verdict.Problem is not null)
        {
            return Verdicts.WantsJson(Request)
                ? new JsonResult(new { error = verdict.Problem }) { StatusCode = verdict.Status }
                : new ContentResult { StatusCode = verdict.Status, Content = verdict.Problem, ContentType = "text/plain; charset=utf-8" };
        }

        ReviewLog.VerdictRecorded(logger, imageId, verdict.TaxonomyVersion!, verdict.LabelId!, kind!, verdict.Reviewer!);
        if (Verdicts.WantsJson(Request))
        {
            return new JsonResult(new { imageId, labelId = verdict.LabelId, displayName = verdict.DisplayName, reviewer = verdict.Reviewer, kind });
        }

        return LocalRedirect(returnTo is not null && Url.IsLocalUrl(returnTo) ? returnTo : "/");
    }

    private PageResult BadRequestPage()
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private PageResult NotFoundPage()
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }
}
