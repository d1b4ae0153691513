using System.Net.Sockets;
using Azure;
using Azure.Identity;

namespace Clip.Ingestion.Blobs;

/// <summary>Turns what the storage SDK throws into a <see cref="BlobFetchException"/> with the right reason.</summary>
internal static class StorageFailure
{
    /// <summary>
    /// The typed failure for <paramref name="exception"/>, or null when it is not a storage failure (a bug, let it
    /// through). Call only when the fetch itself was not cancelled.
    /// </summary>
    public static BlobFetchException? Classify(Exception exception, bool deadlinePassed, TimeSpan timeout) => exception switch
    {
        BlobFetchException => null,
        OperationCanceledException when deadlinePassed => Transient($"The download took longer than {timeout}.", exception),
        // Only called when the fetch was not cancelled, so this is the SDK's own network timeout.
        OperationCanceledException => Transient("A request to blob storage timed out.", exception),
        RequestFailedException failed => FromStatus(failed),
        AuthenticationFailedException => new BlobFetchException(
            BlobFetchReason.AccessDenied, "Could not get a token to read blob storage; check the workload identity.", exception),
        // The SDK's retry policy gives up with every attempt's exception; it retries only transient ones.
        AggregateException aggregate when aggregate.InnerExceptions.All(IsNetwork)
            => Transient("Blob storage failed on every attempt.", exception),
        IOException => Transient("The connection to blob storage failed while reading the blob.", exception),
        // A peer that closes the connection at once can surface as a bare SocketException from HttpClient's connect
        // (reading the remote end point of a socket that is already gone), not wrapped by the storage SDK.
        SocketException or HttpRequestException => Transient("The connection to blob storage failed.", exception),
        _ => null,
    };

    private static bool IsNetwork(Exception e) =>
        e is RequestFailedException or IOException or OperationCanceledException or SocketException or HttpRequestException;

    private static BlobFetchException FromStatus(RequestFailedException failed) => failed.Status switch
    {
        404 => new(BlobFetchReason.BlobNotFound, $"The blob does not exist ({failed.ErrorCode}).", failed),
        412 => new(BlobFetchReason.BlobSuperseded, "The blob was overwritten after the event: its ETag no longer matches.", failed),
        401 or 403 => new(BlobFetchReason.AccessDenied, $"Blob storage refused access ({failed.Status} {failed.ErrorCode}); check the identity's role or the connection string.", failed),
        0 or 408 or 429 or >= 500 => Transient($"Blob storage is unavailable ({Describe(failed)}).", failed),
        _ => new(BlobFetchReason.InvalidRequest, $"Blob storage refused the request ({failed.Status} {failed.ErrorCode}).", failed),
    };

    private static string Describe(RequestFailedException failed) =>
        failed.Status == 0 ? "no response" : $"{failed.Status} {failed.ErrorCode}";

    private static BlobFetchException Transient(string message, Exception inner) => new(BlobFetchReason.Transient, message, inner);
}
