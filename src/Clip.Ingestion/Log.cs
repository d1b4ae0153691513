using Microsoft.Extensions.Logging;

namespace Clip.Ingestion;

// Message ids, blob URLs and file paths are logged; connection strings and SAS tokens never are.
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Watching {Folder} for images")]
    public static partial void WatchingFolder(ILogger logger, string folder);

    [LoggerMessage(2, LogLevel.Warning, "Could not scan {Folder}: {Reason}")]
    public static partial void FolderScanFailed(ILogger logger, string folder, string reason);

    [LoggerMessage(3, LogLevel.Error, "Processing {File} failed unexpectedly; it will be retried")]
    public static partial void FileHandlerFailed(ILogger logger, Exception exception, string file);

    [LoggerMessage(4, LogLevel.Warning, "{File} was given back ({Reason}); attempt {Attempt} of {MaxAttempts}, retrying later")]
    public static partial void FileRetrying(ILogger logger, string file, string reason, int attempt, int maxAttempts);

    [LoggerMessage(5, LogLevel.Error, "{File} was given back ({Reason}) on attempt {Attempt}, the last; it stays unprocessed until it changes or the worker restarts")]
    public static partial void FileGivenUp(ILogger logger, string file, string reason, int attempt);

    [LoggerMessage(10, LogLevel.Information, "Receiving from Service Bus queue {Queue} on {Namespace}")]
    public static partial void ReceivingFromQueue(ILogger logger, string queue, string @namespace);

    [LoggerMessage(11, LogLevel.Warning, "Message {MessageId} lost its lock (delivery {DeliveryCount}); it is left unsettled")]
    public static partial void LockLost(ILogger logger, string messageId, int deliveryCount);

    [LoggerMessage(12, LogLevel.Warning, "Message {MessageId} abandoned on delivery {DeliveryCount} ({Reason}); Service Bus will redeliver it")]
    public static partial void Abandoned(ILogger logger, string messageId, int deliveryCount, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Message {MessageId} dead-lettered ({Reason}): {Description}")]
    public static partial void DeadLettered(ILogger logger, string messageId, string reason, string description);

    [LoggerMessage(14, LogLevel.Error, "Settling message {MessageId} as {Disposition} failed; it returns when its lock expires")]
    public static partial void SettleFailed(ILogger logger, Exception exception, string messageId, string disposition);

    [LoggerMessage(15, LogLevel.Error, "Service Bus {ErrorSource} error on {EntityPath}")]
    public static partial void ReceiveError(ILogger logger, Exception exception, string errorSource, string entityPath);

    [LoggerMessage(16, LogLevel.Warning, "Queue {Queue}: a dependency is down; receiving one message at a time")]
    public static partial void IntakeThrottled(ILogger logger, string queue);

    [LoggerMessage(17, LogLevel.Information, "Queue {Queue}: dependencies answer again; receiving up to {Concurrency} messages at a time")]
    public static partial void IntakeResumed(ILogger logger, string queue, int concurrency);

    [LoggerMessage(18, LogLevel.Warning, "Folder {Folder}: a dependency is down; handing out one file at a time")]
    public static partial void FolderThrottled(ILogger logger, string folder);
}
