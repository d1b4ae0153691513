using System.Globalization;
using Clip.Persistence.Review;

namespace Clip.Review.Pages;

/// <summary>
/// The queue's filters as they travel in the URL (so a filtered view can be bookmarked and every link keeps it). Bad
/// values are reported by <see cref="ToFilter"/>, never guessed.
/// </summary>
public sealed class QueueQuery
{
    public string? Model { get; set; }

    /// <summary>The filter form's model and taxonomy in one value, <c>model|taxonomyVersion</c>; wins over both.</summary>
    public string? Set
    {
        get => null;
        set
        {
            if (value?.Split('|') is [var model, var taxonomy])
            {
                Model = model;
                Taxonomy = taxonomy;
            }
        }
    }

    public string? Taxonomy { get; set; }

    public string? Label { get; set; }

    /// <summary>"yes", "no" or empty (either).</summary>
    public string? Abstained { get; set; }

    public double? PMin { get; set; }

    public double? PMax { get; set; }

    /// <summary>Empty (any head), "none" (zero-shot runs), or a head version.</summary>
    public string? Head { get; set; }

    public bool Unreviewed { get; set; }

    /// <summary>Runs from this day (UTC) on.</summary>
    public DateOnly? From { get; set; }

    /// <summary>Runs up to and including this day (UTC).</summary>
    public DateOnly? Until { get; set; }

    /// <summary>The page cursor (<see cref="QueueCursor.ToString"/>).</summary>
    public string? After { get; set; }

    /// <summary>The filter for the chosen model and taxonomy version, or the reason the query is bad.</summary>
    public (QueueFilter? Filter, string? Problem) ToFilter(string modelId, string taxonomyVersion)
    {
        if (PMin is < 0 or > 1 || PMax is < 0 or > 1 || PMin > PMax)
        {
            return (null, "The probability band must lie within 0–1, its low end not above its high end.");
        }

        bool? abstained = Abstained switch
        {
            null or "" => null,
            "yes" => true,
            "no" => false,
            _ => default,
        };
        if (Abstained is not (null or "" or "yes" or "no"))
        {
            return (null, "Abstained is yes, no, or empty.");
        }

        if (From > Until)
        {
            return (null, "The date range ends before it starts.");
        }

        var (head, headVersion) = Head switch
        {
            null or "" => (HeadFilter.Any, null),
            "none" => (HeadFilter.ZeroShot, null),
            var version => (HeadFilter.Version, version),
        };
        return (new QueueFilter(
            modelId,
            taxonomyVersion,
            string.IsNullOrWhiteSpace(Label) ? null : Label.Trim(),
            abstained,
            PMin ?? 0,
            PMax ?? 1,
            head,
            headVersion,
            Unreviewed,
            From is { } f ? new DateTimeOffset(f.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null,
            Until is { } u ? new DateTimeOffset(u.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null), null);
    }

    /// <summary>The query string of these filters, with <paramref name="after"/> as the cursor.</summary>
    public string ToQueryString(string? after = null)
    {
        var parts = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parts.Add(new(key, value));
            }
        }

        Add("model", Model);
        Add("taxonomy", Taxonomy);
        Add("label", Label);
        Add("abstained", Abstained);
        Add("pmin", PMin?.ToString("R", CultureInfo.InvariantCulture));
        Add("pmax", PMax?.ToString("R", CultureInfo.InvariantCulture));
        Add("head", Head);
        Add("unreviewed", Unreviewed ? "true" : null);
        Add("from", From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("until", Until?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Add("after", after);
        return Microsoft.AspNetCore.Http.QueryString.Create(parts).ToUriComponent();
    }
}
