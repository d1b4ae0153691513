using System.ComponentModel.DataAnnotations;

namespace Clip.Ingestion.Sources;

/// <summary>Which storage containers ingestion may read from. Bound from the <c>Clip:Sources</c> section.</summary>
public sealed class BlobSourceOptions
{
    public const string SectionName = "Clip:Sources";

    /// <summary>
    /// Account endpoint plus container, e.g. <c>https://myaccount.blob.core.windows.net/images</c>; with
    /// <see cref="AllowLoopbackForDevelopment"/>, an Azurite entry such as <c>http://127.0.0.1:10000/devstoreaccount1/images</c>.
    /// </summary>
    public IList<string> AllowedContainers { get; } = [];

    /// <summary>Permit plain-HTTP loopback entries (Azurite). Never set in production.</summary>
    public bool AllowLoopbackForDevelopment { get; set; }

    /// <summary>
    /// Largest blob accepted, checked against the event's stated size and again while reading. The default matches
    /// <c>Clip:Images:MaxEncodedBytes</c>, which caps what the worker decodes anyway.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxBlobBytes { get; set; } = 32L * 1024 * 1024;
}
