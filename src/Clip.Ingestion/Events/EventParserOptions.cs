using System.ComponentModel.DataAnnotations;

namespace Clip.Ingestion.Events;

/// <summary>Limits on a message body. Bound from the <c>Clip:Events</c> section.</summary>
public sealed class EventParserOptions
{
    public const string SectionName = "Clip:Events";

    [Range(1, 10_000)]
    public int MaxEventsPerMessage { get; set; } = 100;

    [Range(1, 256 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}
