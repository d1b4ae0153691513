using System.Security.Cryptography;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>The real worker host, started in this process with test settings layered over its defaults.</summary>
internal sealed class WorkerRun : IAsyncDisposable
{
    private WorkerRun(WebApplication app)
    {
        App = app;
    }

    public WebApplication App { get; }

    public WorkerTelemetry Telemetry => App.Services.GetRequiredService<WorkerTelemetry>();

    public ILabelStore Store => App.Services.GetRequiredService<ILabelStore>();

    public Uri BaseAddress => new(App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Settings every test run needs: a free port, quiet logs, a private class-matrix cache.</summary>
    public static Dictionary<string, string?> Defaults(TemporaryDirectory temp) => new()
    {
        ["Urls"] = "http://127.0.0.1:0",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Clip:ZeroShot:CacheDirectory"] = temp.File("class-matrices"),
        ["Clip:Inference:Device"] = "cpu",
        ["Clip:Folder:PollInterval"] = "00:00:00.050",
        ["Clip:Folder:SettleTime"] = "00:00:00",
    };

    public static async Task<WorkerRun> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var app = WorkerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        await app.StartAsync();
        return new WorkerRun(app);
    }

    /// <summary>
    /// Copies a CLI sample into the watched folder and waits for its one result run, keyed as a user would key a local
    /// file: its <c>file://</c> URI and <c>sha256:</c> of its bytes.
    /// </summary>
    public Task<StoredRun> DropAndWaitForRunAsync(string inbox, string sample) => DropAndWaitForRunAsync(Store, inbox, sample);

    /// <summary>The same, for a worker whose results are in <paramref name="store"/> (one running as its own process).</summary>
    public static async Task<StoredRun> DropAndWaitForRunAsync(ILabelStore store, string inbox, string sample)
    {
        var path = Path.Combine(inbox, sample);
        File.Copy(TestPaths.Data("samples", sample), path);
        var uri = new Uri(path).AbsoluteUri;
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
        IReadOnlyList<StoredRun> runs = [];
        await WaitUntilAsync(async () => (runs = await store.GetRunsAsync(uri, hash)).Count > 0, $"{sample} is labelled");
        return Assert.Single(runs);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
