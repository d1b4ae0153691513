using System.Diagnostics;
using System.Reflection;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>What one run of the Bicep CLI returned.</summary>
public sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs the Bicep CLI from the <c>Azure.Bicep.CommandLine.linux-x64</c> package (the path is baked into the test
/// assembly at build time) as a real process, in the repository's <c>infra/</c> folder.
/// </summary>
public static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly Lazy<string> ExecutablePath = new(FindExecutable);

    /// <summary>The repository's <c>infra/</c> folder: the nearest folder above the test binaries holding <c>Clip.Workers.sln</c>, plus <c>infra</c>.</summary>
    public static string InfraDirectory { get; } = Path.Combine(FindRepositoryRoot(), "infra");

    public static BicepResult Run(IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(ExecutablePath.Value)
        {
            WorkingDirectory = InfraDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Tests decide which deploy-time variables exist; the developer's shell must not leak into them.
        start.Environment.Remove("CLIP_POSTGRES_ENTRA_ADMIN_ID");
        start.Environment.Remove("CLIP_AKS_OIDC_ISSUER_URL");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ExecutablePath.Value}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} ran longer than {Timeout}.");
        }

        return new BicepResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string FindExecutable()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "BicepExecutable").Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at '{path}'; restore the Azure.Bicep.CommandLine.linux-x64 package.");
        }

        // NuGet extraction does not always keep the execute bit.
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Clip.Workers.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Clip.Workers.sln above {AppContext.BaseDirectory}.");
    }
}
