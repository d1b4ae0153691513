namespace Clip.Labeling;

/// <summary>
/// Why an image could not be fetched, and how its message should end. Transient: retrying later may succeed, so no
/// failure row and the message is given back. Poison: retrying cannot succeed and the input is at fault, so the
/// failure is recorded and the message dead-lettered. Neither (a file deleted before it was read): the failure is
/// recorded and the message completed.
/// </summary>
public sealed class ImageFetchException(string reason, string message, bool transient, bool poison, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The short code recorded as the failure reason.</summary>
    public string Reason { get; } = reason;

    public bool Transient { get; } = transient;

    public bool Poison { get; } = poison;
}
