using Microsoft.Extensions.Logging;

namespace Clip.Training;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Read {Examples} verified examples for taxonomy {Taxonomy} and model {Model} ({Unknown} unknown labels skipped)")]
    public static partial void TrainingSetRead(ILogger logger, int examples, string taxonomy, string model, int unknown);

    [LoggerMessage(2, LogLevel.Warning, "Not enough data to retrain: {Reason}")]
    public static partial void NotEnoughData(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Information, "Trained on {Examples} examples for {Epochs} epochs (best validation loss {Loss:F4}); alpha {Alpha}")]
    public static partial void Trained(ILogger logger, int examples, int epochs, double loss, double alpha);

    [LoggerMessage(4, LogLevel.Information, "Candidate {Version}: {Outcome} ({Reason})")]
    public static partial void Decided(ILogger logger, string version, string outcome, string reason);

    [LoggerMessage(5, LogLevel.Warning, "The promoted head {Version} does not fit this model and taxonomy; it is not compared")]
    public static partial void PromotedHeadUnfit(ILogger logger, string version);

    [LoggerMessage(6, LogLevel.Information, "Read {Examples} examples so far")]
    public static partial void Reading(ILogger logger, int examples);

    [LoggerMessage(7, LogLevel.Error, "A scheduled retraining run failed; the next one runs at its scheduled time")]
    public static partial void ScheduledRunFailed(ILogger logger, Exception exception);
}
