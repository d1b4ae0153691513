using System.Net;
using System.Security.Cryptography;
using Clip.TestUtilities;

namespace Clip.Worker.Tests;

/// <summary>The failure policy for a database that goes away: give the work back, never lose it, label it once the database returns.</summary>
public sealed class DatabaseOutageTests : IAsyncLifetime, IDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly TemporaryDirectory _temp = new();

    public Task InitializeAsync() => _postgres.InitializeAsync();

    public Task DisposeAsync() => _postgres.DisposeAsync();

    public void Dispose()
    {
        _postgres.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_PostgresDownWhileImagesArrive_GivesThemBackThenLabelsEachOnceItReturns()
    {
        var inbox = Path.Combine(_temp.Path, "inbox");
        Directory.CreateDirectory(inbox);
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Folder:RetryDelay"] = "00:00:00.200";
        settings["Clip:Folder:MaxAttempts"] = "1000";
        settings["Clip:Database:Provider"] = "postgres";
        settings["Clip:Database:ConnectionString"] = await _postgres.CreateDatabaseAsync();
        settings["Clip:Pipeline:RetryBudget"] = "00:00:00.100";
        settings["Clip:Pipeline:RetryDelay"] = "00:00:00.050";
        await using var worker = await WorkerRun.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = worker.BaseAddress };
        var ready = new Uri(WorkerHostBuilderExtensions.ReadyPath, UriKind.Relative);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ready)).StatusCode);

        await _postgres.StopAsync();
        var names = new[] { "red-star.png", "green-square.jpg", "black-cross.jpg" };
        foreach (var name in names)
        {
            File.Copy(TestPaths.Data("samples", name), Path.Combine(inbox, name));
        }

        await WorkerRun.WaitUntilAsync(() => Task.FromResult(worker.Telemetry.Totals().ImagesGivenBack >= 2 * names.Length), "every image was given back at least twice");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(ready)).StatusCode);
        Assert.Equal(0, worker.Telemetry.Totals().ImagesLabelled);

        await _postgres.StartAgainAsync();
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(worker.Telemetry.Totals().ImagesLabelled == names.Length), "the images are labelled after the database returns");

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ready)).StatusCode);
        foreach (var (name, expected) in names.Zip(["star", "square", "cross"]))
        {
            var path = Path.Combine(inbox, name);
            var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
            var run = Assert.Single(await worker.Store.GetRunsAsync(new Uri(path).AbsoluteUri, hash));
            Assert.Equal(expected, run.Labels[0].LabelId);
        }

        Assert.Empty(await worker.Store.GetFailuresAsync());
    }
}
