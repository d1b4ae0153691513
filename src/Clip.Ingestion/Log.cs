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
}
