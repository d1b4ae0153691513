using System.Diagnostics;
using System.Text;

namespace Clip.Worker.Tests;

/// <summary>The worker as its own process (<c>dotnet Clip.Worker.dll</c>), for what only a process can show: exit codes, signals, a kill.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _wrapped;

    private WorkerProcess(IReadOnlyDictionary<string, string?> settings, IReadOnlyList<string> wrapper)
    {
        _wrapped = wrapper.Count > 0;
        var start = new ProcessStartInfo(_wrapped ? wrapper[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in wrapper.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        if (wrapper.Count > 0)
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Clip.Worker.dll"));
        foreach (var (key, value) in settings)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        // Lifetime messages ("Application started") are how the test knows the host is up.
        start.ArgumentList.Add("--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <param name="settings">Command-line settings.</param>
    /// <param name="wrapper">A command the worker runs under, such as strace with its options; empty for none.</param>
    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> settings, params string[] wrapper)
    {
        var worker = new WorkerProcess(settings, wrapper);
        worker._process.Start();
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>Waits for the host's "Application started" line.</summary>
    public async Task WaitUntilStartedAsync()
    {
        await Task.WhenAny(_started.Task, _process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(60));
        if (!_started.Task.IsCompleted)
        {
            throw new InvalidOperationException($"The worker exited before it started:\n{Output}");
        }
    }

    /// <summary>Sends SIGTERM, as Kubernetes does, and returns the exit code.</summary>
    public async Task<int> TerminateAsync()
    {
        // Under a wrapper the worker is the wrapper's child, and the wrapper exits with it.
        var pid = _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var kill = _wrapped ? Process.Start("pkill", ["-TERM", "-P", pid]) : Process.Start("kill", ["-TERM", pid]))
        {
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync();
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a node dies.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>A memory figure of the worker's process from /proc (VmRSS: now; VmHWM: its peak), in KiB.</summary>
    public long MemoryKiB(string field)
    {
        var pid = _wrapped ? throw new InvalidOperationException("Memory is read from an unwrapped worker only.") : _process.Id;
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Application started", StringComparison.Ordinal))
        {
            _started.TrySetResult();
        }
    }
}
