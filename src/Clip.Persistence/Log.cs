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

    [LoggerMessage(6, LogLevel.Information, "Got a Microsoft Entra ID token for PostgreSQL, expiring {ExpiresOn:O}; the next is requested at {RefreshAt:O}")]
    public static partial void DatabaseTokenAcquired(ILogger logger, DateTimeOffset expiresOn, DateTimeOffset refreshAt);

    [LoggerMessage(7, LogLevel.Warning, "Could not get a Microsoft Entra ID token for PostgreSQL ({ErrorType}); retrying shortly")]
    public static partial void DatabaseTokenFailed(ILogger logger, string errorType);
}
