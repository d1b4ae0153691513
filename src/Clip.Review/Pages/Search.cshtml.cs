using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Hosting;
using Clip.Search;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Clip.Review.Pages;

/// <summary>Text and by-example search over the stored embeddings, narrowed by taxonomy, rank-1 label and date.</summary>
public sealed class SearchModel(ReviewSearch search, ReviewQueries queries, KnownTaxonomies taxonomies) : PageModel
{
    public const int MaxTop = 200;

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    /// <summary>Search by example: an image id of the results database.</summary>
    [BindProperty(SupportsGet = true)]
    public long? Like { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Taxonomy { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Label { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? Since { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Top { get; set; } = 48;

    public IReadOnlyList<SearchResult>? Results { get; private set; }

    public ReviewImage? Example { get; private set; }

    public string? Problem { get; private set; }

    public long Indexed { get; private set; }

    public IReadOnlyList<LabelledSet> Sets { get; private set; } = [];

    public KnownTaxonomies Taxonomies => taxonomies;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Sets = await queries.ListLabelledSetsAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(Q) && Like is null)
        {
            return Page();
        }

        if (UnreadableValues.Describe(ModelState) is { } unreadable)
        {
            Problem = unreadable;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        if (Top is < 1 or > MaxTop)
        {
            Problem = $"Top must be between 1 and {MaxTop}.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var taxonomyVersion = string.IsNullOrEmpty(Taxonomy) ? null : taxonomies.All.FirstOrDefault(t => t.Name == Taxonomy)?.Version ?? Taxonomy;
        var filter = new ImageFilter(
            taxonomyVersion,
            string.IsNullOrWhiteSpace(Label) ? null : Label.Trim(),
            Since is { } s ? new DateTimeOffset(s.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null);
        var searchOptions = new SearchOptions(Top, Filter: filter.IsEmpty ? null : filter, Refresh: false);
        if (Like is { } exampleId)
        {
            Example = await queries.GetImageAsync(exampleId, cancellationToken);
            var found = Example is null ? null : await search.ByExampleAsync(new ReviewImageRef(Example.Id, Example.SourceUri), searchOptions, cancellationToken);
            if (found is null)
            {
                Problem = "That image is not in the search index of this app's model (no stored embedding from it).";
                Response.StatusCode = StatusCodes.Status404NotFound;
                return Page();
            }

            (Results, Indexed) = (found.Results, found.Indexed);
            return Page();
        }

        var byText = await search.ByTextAsync(Q!.Trim(), "a photo of {}.", searchOptions, cancellationToken);
        (Results, Indexed) = (byText.Results, byText.Indexed);
        return Page();
    }
}
