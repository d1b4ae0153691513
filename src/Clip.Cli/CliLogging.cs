using Microsoft.Extensions.Logging;

namespace Clip.Cli;

internal static class CliLogging
{
    /// <summary>Warnings and errors of the libraries, all on stderr so stdout stays the command's output.</summary>
    public static ILoggerFactory CreateFactory() =>
        LoggerFactory.Create(b => b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning));
}
