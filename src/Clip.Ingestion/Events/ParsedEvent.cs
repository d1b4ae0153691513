namespace Clip.Ingestion.Events;

/// <summary>One event from a message body: either a blob to ingest or an event that was ignored on purpose.</summary>
public abstract record ParsedEvent(string Id);

/// <summary>A <c>Microsoft.Storage.BlobCreated</c> event whose subject and URL agree.</summary>
/// <remarks>
/// <c>BlobUri</c> is the URL exactly as the event carried it (its <see cref="Uri.OriginalString"/> is what source policy
/// inspects); <c>BlobName</c> is the unescaped path inside <c>Container</c> as the subject names it; <c>ContentLength</c>
/// is null when the event did not say, and the size limit is then enforced on the stream.
/// </remarks>
public sealed record BlobCreatedEvent(
    string Id,
    Uri BlobUri,
    string Container,
    string BlobName,
    string? ETag,
    long? ContentLength,
    string? ContentType,
    string? Api) : ParsedEvent(Id);

/// <summary>A well-formed event of a type ingestion does not act on (for example BlobDeleted).</summary>
public sealed record IgnoredEvent(string Id, string EventType, string Reason) : ParsedEvent(Id);
