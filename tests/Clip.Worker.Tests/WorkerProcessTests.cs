using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

public sealed class WorkerProcessTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private Dictionary<string, string?> Settings()
    {
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = _temp.File("inbox");
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Sources:AllowedContainers:0"] = "https://account.blob.core.windows.net/images";
        return settings;
    }

    [Fact]
    public async Task Worker_Sigterm_StopsCleanlyWithExitCodeZero()
    {
        using var worker = WorkerProcess.Start(Settings());
        await worker.WaitUntilStartedAsync();

        var exitCode = await worker.TerminateAsync();

        Assert.True(exitCode == 0, worker.Output);
        Assert.Contains("Application is shutting down", worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_RunningIdleInFolderMode_NeverLooksUpMicrosoftsTelemetryHost()
    {
        // ONNX Runtime 1.31 resolves its OneDS collector about ten seconds after its environment is created, unless
        // telemetry is off. Every socket send and connect of the worker and its threads is traced for half a minute.
        var trace = _temp.File("network.trace");
        using var worker = WorkerProcess.Start(Settings(), "strace", "-f", "-qq", "-e", "trace=bind,connect,sendto,sendmsg,sendmmsg", "-s", "128", "-o", trace);
        await worker.WaitUntilStartedAsync();
        await Task.Delay(TimeSpan.FromSeconds(30));
        Assert.True(await worker.TerminateAsync() == 0, worker.Output);

        var calls = await File.ReadAllTextAsync(trace);
        Assert.Contains("bind(", calls, StringComparison.Ordinal); // the trace saw the health endpoint's listener
        Assert.DoesNotContain("mobile", calls, StringComparison.Ordinal);
        Assert.DoesNotContain("htons(53)", calls, StringComparison.Ordinal); // no DNS query at all
    }

    [Theory]
    [InlineData("Clip:Pipeline:BatchSize", "0", "BatchSize")]
    [InlineData("Clip:Inference:ModelPath", "/nonexistent/model", "/nonexistent/model")]
    [InlineData("Clip:Pipeline:Taxonomy", "no-such-taxonomy", "no-such-taxonomy")]
    [InlineData("Clip:Sources:AllowedContainers:0", "ftp://example.com/images", "ftp://example.com/images")]
    [InlineData("Clip:ServiceBus:ConnectionString", "Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true", "QueueName")]
    [InlineData("Clip:ServiceBus:FullyQualifiedNamespace", "not a host name", "FullyQualifiedNamespace")]
    public async Task Worker_BadConfiguration_ExitsWithCodeTwoAndNamesTheSetting(string key, string value, string named)
    {
        var settings = Settings();
        settings[key] = value;
        using var worker = WorkerProcess.Start(settings);

        var exitCode = await worker.WaitForExitAsync();

        Assert.True(exitCode == 2, worker.Output);
        Assert.Contains("configuration error", worker.Output, StringComparison.Ordinal);
        Assert.Contains(named, worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_ServiceBusWithoutAllowedContainers_ExitsWithCodeTwoAndSaysSo()
    {
        var settings = Settings();
        settings["Clip:ServiceBus:ConnectionString"] = "Endpoint=sb://localhost:1;SharedAccessKeyName=k;SharedAccessKey=s;UseDevelopmentEmulator=true";
        settings["Clip:ServiceBus:QueueName"] = "images";
        settings.Remove("Clip:Sources:AllowedContainers:0");
        using var worker = WorkerProcess.Start(settings);

        var exitCode = await worker.WaitForExitAsync();

        Assert.True(exitCode == 2, worker.Output);
        Assert.Contains("AllowedContainers lists no container", worker.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("SharedAccessKey=s", worker.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Worker_Dependencies_LeaveLibtorchOut()
    {
        // The worker image must not carry libtorch: retraining lives in Clip.Training, which the worker never references.
        var dependencies = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Clip.Worker.deps.json"));

        Assert.DoesNotContain("TorchSharp", dependencies, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("libtorch", dependencies, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Clip.Training", dependencies, StringComparison.Ordinal);
    }
}
