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
}
