namespace Clip.Ingestion.Blobs;

/// <summary>
/// A blob that could not be fetched, with a stable <see cref="ReasonCode"/> saying why. <see cref="IsTransient"/> is
/// true only when the same fetch may succeed later with nothing changed. How each code settles its message is the
/// worker's failure policy (<c>DispositionPolicy</c> in Clip.Labeling), not this library's.
/// </summary>
public sealed class BlobFetchException : Exception
{
    public BlobFetchException()
        : this(BlobFetchReason.Transient, "The blob could not be fetched.")
    {
    }

    public BlobFetchException(string message)
        : this(BlobFetchReason.Transient, message)
    {
    }

    public BlobFetchException(string message, Exception innerException)
        : this(BlobFetchReason.Transient, message, innerException)
    {
    }

    public BlobFetchException(string reasonCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(reasonCode);
        ReasonCode = reasonCode;
    }

    /// <summary>One of the <see cref="BlobFetchReason"/> codes.</summary>
    public string ReasonCode { get; }

    /// <summary>Whether the same fetch may succeed later without anything being changed.</summary>
    public bool IsTransient => ReasonCode == BlobFetchReason.Transient;
}

/// <summary>Stable, snake_case reason codes for <see cref="BlobFetchException"/>; safe to record and to use as dead-letter reasons.</summary>
public static class BlobFetchReason
{
    /// <summary>The blob (or its container) does not exist: it was deleted before the event was processed (404).</summary>
    public const string BlobNotFound = "blob_not_found";

    /// <summary>
    /// The blob no longer has the event's ETag: it was overwritten after the event was raised (412). The newer
    /// content has its own BlobCreated event.
    /// </summary>
    public const string BlobSuperseded = "blob_superseded";

    /// <summary>The blob is larger than the fetch's limit, as stated by the service or found while reading.</summary>
    public const string TooLarge = "too_large";

    /// <summary>The event's ETag is not a well-formed entity tag, so it cannot be checked against the blob.</summary>
    public const string InvalidETag = "invalid_etag";

    /// <summary>The service refused the request as invalid (400 or another unexpected 4xx), for example an unacceptable blob name.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>
    /// The worker's identity may not read the blob (401/403) or could not get a token: a configuration problem,
    /// not the message's fault, which retrying fails the same way until it is fixed.
    /// </summary>
    public const string AccessDenied = "access_denied";

    /// <summary>
    /// <c>Clip:Storage</c> cannot serve the allowed source, e.g. the connection string is for another account than
    /// the allowed container's. A configuration problem, like <see cref="AccessDenied"/>.
    /// </summary>
    public const string Misconfigured = "storage_misconfigured";

    /// <summary>
    /// 5xx, 408, 429, a timeout or a network failure, after the SDK's own retries;
    /// <see cref="BlobFetchException.IsTransient"/> is true only for this code.
    /// </summary>
    public const string Transient = "transient";
}
