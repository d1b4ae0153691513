using Microsoft.Extensions.Logging;

namespace Clip.Persistence;

// Targets are file paths or host:port/database; connection strings are never logged.
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Applied {Provider} schema migration {Version} ({Name}) to {Target}")]
    public static partial void MigrationApplied(ILogger logger, DatabaseProvider provider, int version, string name, string target);

    [LoggerMessage(2, LogLevel.Information, "{Provider} schema of {Target} is up to date at version {Version}")]
    public static partial void SchemaUpToDate(ILogger logger, DatabaseProvider provider, string target, int version);

    [LoggerMessage(3, LogLevel.Debug, "Wrote {Labelled} labelled images and {Failed} failures in {ElapsedMs:F1} ms")]
    public static partial void BatchWritten(ILogger logger, int labelled, int failed, double elapsedMs);

    [LoggerMessage(4, LogLevel.Information, "Promoted head {Version} for model {ModelId}, taxonomy {TaxonomyVersion} (was {Previous})")]
    public static partial void HeadPromoted(ILogger logger, string version, string modelId, string taxonomyVersion, string? previous);

    [LoggerMessage(5, LogLevel.Information, "Rolled back the head of model {ModelId}, taxonomy {TaxonomyVersion} from {Previous} to {Version}")]
    public static partial void HeadRolledBack(ILogger logger, string modelId, string taxonomyVersion, string? previous, string? version);
}
