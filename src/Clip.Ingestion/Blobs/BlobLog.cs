using Microsoft.Extensions.Logging;

namespace Clip.Ingestion.Blobs;

internal static partial class BlobLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Reading blobs with a connection string for {Endpoint}")]
    public static partial void UsingConnectionString(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Reading blobs with a token credential (DefaultAzureCredential unless one was given)")]
    public static partial void UsingTokenCredential(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Fetched {Length} bytes of {Container}/{BlobName} from {Endpoint}")]
    public static partial void Fetched(ILogger logger, long length, string container, string blobName, string endpoint);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Could not fetch {Container}/{BlobName} from {Endpoint}: {ReasonCode}")]
    public static partial void FetchFailed(ILogger logger, string container, string blobName, string endpoint, string reasonCode, Exception exception);
}
