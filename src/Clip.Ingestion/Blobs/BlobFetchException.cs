namespace Clip.Ingestion.Blobs;

/// <summary>
/// A blob that could not be fetched, with a stable <see cref="ReasonCode"/> saying what to do with its message.
/// <see cref="IsTransient"/> is true only when the same fetch may succeed later with nothing changed: abandon the
/// message so Service Bus redelivers it. Otherwise retrying is pointless; see each <see cref="BlobFetchReason"/>
/// code for how to settle.
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
    /// <summary>
    /// The blob (or its container) does not exist: it was deleted before the event was processed (404). Poison:
    /// record the outcome and settle the message; redelivery would find nothing either.
    /// </summary>
    public const string BlobNotFound = "blob_not_found";

    /// <summary>
    /// The blob no longer has the event's ETag: it was overwritten after the event was raised (412). The newer
    /// content has its own BlobCreated event, so settle this message without labeling stale or newer bytes under
    /// the old version.
    /// </summary>
    public const string BlobSuperseded = "blob_superseded";

    /// <summary>The blob is larger than the fetch's limit, as stated by the service or found while reading. Poison.</summary>
    public const string TooLarge = "too_large";

    /// <summary>
    /// The event's ETag is not a well-formed entity tag, so it cannot be checked against the blob. Poison: the
    /// event is malformed.
    /// </summary>
    public const string InvalidETag = "invalid_etag";

    /// <summary>The service refused the request as invalid (400 or another unexpected 4xx), for example an unacceptable blob name. Poison.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>
    /// The worker's identity may not read the blob (401/403) or could not get a token. A configuration problem,
    /// not the message's fault: abandon it (don't dead-letter) and alert; retrying without a fix will fail the same way.
    /// </summary>
    public const string AccessDenied = "access_denied";

    /// <summary>
    /// <c>Clip:Storage</c> cannot serve the allowed source, e.g. the connection string is for another account than
    /// the allowed container's. Like <see cref="AccessDenied"/>: abandon and alert.
    /// </summary>
    public const string Misconfigured = "storage_misconfigured";

    /// <summary>
    /// 5xx, 408, 429, a timeout or a network failure, after the SDK's own retries. Abandon the message so it is
    /// redelivered later; <see cref="BlobFetchException.IsTransient"/> is true only for this code.
    /// </summary>
    public const string Transient = "transient";
}
