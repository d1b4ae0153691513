using System.Diagnostics;

namespace Clip.TestUtilities;

/// <summary>Runs the real <c>clip</c> program (clip.dll next to the test binaries) as a child process.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public IReadOnlyList<string> OutputLines => StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static Task<Result> RunWithInputAsync(string? standardInput, params string[] arguments) =>
        RunAsync(standardInput, new Dictionary<string, string?>(), arguments);

    /// <summary>Runs with these environment variables set, or removed where the value is null.</summary>
    public static Task<Result> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments) =>
        RunAsync(null, environment, arguments);

    private static async Task<Result> RunAsync(string? standardInput, IReadOnlyDictionary<string, string?> environment, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardErrorEncoding = System.Text.Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "clip.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Task<Result> RunAsync(params string[] arguments) => RunWithInputAsync(null, arguments);
}
