using Clip.Persistence;
using Clip.Persistence.Review;
using Clip.Review.Hosting;

namespace Clip.Review.Pages;

/// <summary>What came of a verdict: recorded (label, display name, reviewer), or refused with a status and a reason.</summary>
public sealed record VerdictOutcome(int Status, string? Problem, string? TaxonomyVersion = null, string? LabelId = null, string? DisplayName = null, string? Reviewer = null);

/// <summary>
/// Checks and records one verdict as a <c>feedback</c> row. The image must be in the database with a run of the
/// taxonomy; the label must be one of the taxonomy's classes (when the app knows the taxonomy) or one the image's runs of
/// it gave (when it does not). Nothing from the request reaches SQL other than as a parameter.
/// </summary>
public static class Verdicts
{
    public const int MaxLabelLength = 200;

    public static bool WantsJson(HttpRequest request) =>
        request?.Headers.Accept.Any(a => a?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true) == true;

    public static async Task<VerdictOutcome> RecordAsync(
        ReviewQueries queries, LabelStore store, KnownTaxonomies taxonomies, long imageId, string? taxonomyVersion, string? labelId, string? kind, string reviewer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(taxonomies);
        if (kind is not ("accept" or "correct"))
        {
            return new(StatusCodes.Status400BadRequest, "kind must be accept or correct.");
        }

        if (string.IsNullOrWhiteSpace(taxonomyVersion) || string.IsNullOrWhiteSpace(labelId) || labelId.Length > MaxLabelLength)
        {
            return new(StatusCodes.Status400BadRequest, "A verdict needs the taxonomy version and a label id.");
        }

        labelId = labelId.Trim();
        var image = await queries.GetImageAsync(imageId, cancellationToken);
        if (image is null)
        {
            return new(StatusCodes.Status404NotFound, "No such image in the results database.");
        }

        var runs = (await queries.GetRunsAsync(imageId, cancellationToken)).Where(r => r.TaxonomyVersion == taxonomyVersion).ToList();
        if (runs.Count == 0)
        {
            return new(StatusCodes.Status400BadRequest, "The image has no run of that taxonomy.");
        }

        var known = taxonomies.Find(taxonomyVersion);
        var displayName = known is not null
            ? known.Classes.FirstOrDefault(c => c.Id == labelId)?.DisplayName
            : runs.SelectMany(r => r.Labels).FirstOrDefault(l => l.LabelId == labelId)?.DisplayName;
        if (displayName is null)
        {
            return new(StatusCodes.Status400BadRequest, $"'{labelId}' is not a class of the taxonomy.");
        }

        var note = kind == "accept" ? "review: accepted" : "review: corrected from " + (runs[0].Labels.Count > 0 ? runs[0].Labels[0].LabelId : "nothing");
        await store.AddFeedbackAsync(new FeedbackEntry(image.SourceUri, image.EtagOrHash, labelId, taxonomyVersion, reviewer, note), cancellationToken);
        return new(StatusCodes.Status200OK, null, taxonomyVersion, labelId, displayName, reviewer);
    }
}
