using Microsoft.Extensions.Logging;

namespace Clip.Worker;

// Message ids, blob URLs and file paths are logged; connection strings and tokens never are.
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Message {MessageId}: ignored event {EventId} of type {EventType} ({Reason})")]
    public static partial void EventIgnored(ILogger logger, string messageId, string eventId, string eventType, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Message {MessageId}: refused blob source ({Reason}): {Detail}")]
    public static partial void SourceRefused(ILogger logger, string messageId, string reason, string detail);

    [LoggerMessage(3, LogLevel.Warning, "Message {MessageId}: {Source} failed ({Reason}): {Detail}")]
    public static partial void ImageFailed(ILogger logger, string messageId, string source, string reason, string detail);

    [LoggerMessage(4, LogLevel.Warning, "Message {MessageId} will be given back ({Reason}): {Detail}")]
    public static partial void GivingBack(ILogger logger, string messageId, string reason, string detail);

    [LoggerMessage(5, LogLevel.Error, "Encoding a batch of {Count} images failed; their messages are given back")]
    public static partial void EncodeFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(6, LogLevel.Warning, "{What} failed (retry {Retry} in {DelayMs:F0} ms): {Reason}")]
    public static partial void Retrying(ILogger logger, string what, int retry, double delayMs, string reason);

    [LoggerMessage(7, LogLevel.Error, "{What} still failing after {Attempts} attempts; {Count} message(s) out of retry budget are given back: {Reason}")]
    public static partial void RetriesExhausted(ILogger logger, string what, int attempts, int count, string reason);

    [LoggerMessage(8, LogLevel.Critical, "The {Stage} stage of the labeling pipeline failed; the pipeline stops")]
    public static partial void StageFailed(ILogger logger, Exception exception, string stage);

    [LoggerMessage(9, LogLevel.Error, "Message {MessageId} could not be resolved into images; it is given back")]
    public static partial void ResolveFailed(ILogger logger, Exception exception, string messageId);

    [LoggerMessage(10, LogLevel.Information, "Classifier head swapped: {Previous} -> {Current} (alpha {Alpha})")]
    public static partial void HeadSwapped(ILogger logger, string previous, string current, double alpha);

    [LoggerMessage(11, LogLevel.Error, "Promoted head {Version} cannot be used; the worker keeps its current classifier")]
    public static partial void HeadRefused(ILogger logger, Exception exception, string version);

    [LoggerMessage(12, LogLevel.Warning, "Could not read the promoted head: {Reason}; retrying at the next poll")]
    public static partial void HeadPollFailed(ILogger logger, string reason);

    [LoggerMessage(13, LogLevel.Information, "Taxonomy {Path} changed: {Previous} -> {Current}; labelling zero-shot until a head for it is promoted")]
    public static partial void TaxonomySwapped(ILogger logger, string path, string previous, string current);

    [LoggerMessage(14, LogLevel.Error, "Taxonomy {Path} changed but is not valid; the worker keeps the current one: {Reason}")]
    public static partial void TaxonomyRefused(ILogger logger, string path, string reason);

    [LoggerMessage(15, LogLevel.Warning, "Taxonomy {Path} could not be read; checking again later: {Reason}")]
    public static partial void TaxonomyUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(16, LogLevel.Error, "{Dependency} is down ({Failures} failures in a row, the last: {Reason}); taking in one message at a time until it answers")]
    public static partial void CircuitOpened(ILogger logger, string dependency, int failures, string reason);

    [LoggerMessage(17, LogLevel.Information, "{Dependency} answers again after {Seconds:F0} s; taking in messages at full rate")]
    public static partial void CircuitClosed(ILogger logger, string dependency, double seconds);

    [LoggerMessage(18, LogLevel.Error, "Message {MessageId} failed on its last delivery ({Reason}); dead-lettering it: {Detail}")]
    public static partial void LastDeliveryFailed(ILogger logger, string messageId, string reason, string detail);
}
