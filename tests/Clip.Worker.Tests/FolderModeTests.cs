using System.Net;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>The embedded mode end to end: the real host watching a folder and writing to SQLite with the bundled model.</summary>
public sealed class FolderModeTests : IDisposable
{
    // The tiny model's labels on the CLI samples; the held-out blue circle is its one known miss.
    private static readonly Dictionary<string, string> Golden = new(StringComparer.Ordinal)
    {
        ["black-cross.jpg"] = "cross",
        ["blue-circle.jpg"] = "square",
        ["blue-triangle.png"] = "triangle",
        ["green-square.jpg"] = "square",
        ["red-circle.png"] = "circle",
        ["red-star.png"] = "star",
        ["white-heart.png"] = "heart",
        ["yellow-star.jpg"] = "star",
    };

    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private (Dictionary<string, string?> Settings, string Inbox, SqliteResults Results) Setup()
    {
        var inbox = Path.Combine(_temp.Path, "inbox");
        Directory.CreateDirectory(inbox);
        var db = _temp.File("clip.db");
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={db}";
        return (settings, inbox, new SqliteResults(db));
    }

    /// <summary>Writes beside the inbox, then renames in, as a careful uploader would.</summary>
    private void Drop(string inbox, string name, byte[] bytes)
    {
        var staging = _temp.File(name + ".partial");
        File.WriteAllBytes(staging, bytes);
        File.Move(staging, Path.Combine(inbox, name));
    }

    private static byte[] Sample(string name) => File.ReadAllBytes(TestPaths.Data("samples", name));

    [Fact]
    public async Task Worker_FilesBeforeAndAfterStart_LabelsAllAndRecordsTheCorruptOne()
    {
        var (settings, inbox, results) = Setup();
        var names = Golden.Keys.Order(StringComparer.Ordinal).ToList();
        foreach (var name in names.Take(4))
        {
            Drop(inbox, name, Sample(name));
        }

        await using var worker = await WorkerRun.StartAsync(settings);
        foreach (var name in names.Skip(4))
        {
            Drop(inbox, name, Sample(name));
        }

        Drop(inbox, "truncated.png", Sample("red-star.png")[..200]);
        await WorkerRun.WaitUntilAsync(
            async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") == 8 && await results.ScalarAsync("SELECT COUNT(*) FROM failures") == 1,
            "8 images are labelled and 1 failure is recorded");

        Assert.Equal(Golden, await results.TopLabelsAsync());
        Assert.Equal([("truncated.png", "decode", "corrupt")], await results.FailuresAsync());
    }

    [Fact]
    public async Task Worker_RestartedOverTheSameFolder_SkipsWhatIsLabelledAndWritesNoDuplicates()
    {
        var (settings, inbox, results) = Setup();
        foreach (var name in Golden.Keys)
        {
            Drop(inbox, name, Sample(name));
        }

        await using (var first = await WorkerRun.StartAsync(settings))
        {
            await WorkerRun.WaitUntilAsync(async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") == 8, "the first run labels 8 images");
        }

        await using var second = await WorkerRun.StartAsync(settings);
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(second.Telemetry.Totals().ImagesSkipped == 8), "the second run skips all 8");

        Assert.Equal(8, await results.ScalarAsync("SELECT COUNT(*) FROM images"));
        Assert.Equal(8, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(8, await results.ScalarAsync("SELECT COUNT(*) FROM labels WHERE rank = 1"));
        Assert.Equal(0, second.Telemetry.Totals().ImagesLabelled);
    }

    [Fact]
    public async Task Worker_RestartedOverACorruptFile_RecordsOneFailureWithTwoOccurrences()
    {
        var (settings, inbox, results) = Setup();
        Drop(inbox, "truncated.png", Sample("red-star.png")[..200]);

        await using (var first = await WorkerRun.StartAsync(settings))
        {
            await WorkerRun.WaitUntilAsync(() => Task.FromResult(first.Telemetry.Totals().ImagesFailed == 1), "the first run records the failure");
        }

        await using var second = await WorkerRun.StartAsync(settings);
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(second.Telemetry.Totals().ImagesFailed == 1), "the second run meets it again");

        Assert.Equal(1, await results.ScalarAsync("SELECT COUNT(*) FROM failures"));
        Assert.Equal(2, await results.ScalarAsync("SELECT occurrences FROM failures"));
    }

    [Fact]
    public async Task Worker_HealthEndpoints_AreHealthyWhenRunningAndUnreadyWhenTheDatabaseIsUnreachable()
    {
        var (settings, _, _) = Setup();
        await using var worker = await WorkerRun.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = worker.BaseAddress };

        var live = await http.GetAsync(new Uri(WorkerHostBuilderExtensions.LivePath, UriKind.Relative));
        var ready = await http.GetAsync(new Uri(WorkerHostBuilderExtensions.ReadyPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Worker_FloodLargerThanEveryChannel_LabelsEverythingWithBoundedImagesInMemory()
    {
        var (settings, inbox, results) = Setup();
        settings["Clip:Pipeline:BatchSize"] = "4";
        settings["Clip:Pipeline:PrepareConcurrency"] = "2";
        settings["Clip:Pipeline:MessageQueueCapacity"] = "4";
        settings["Clip:Folder:MaxFilesInFlight"] = "16";
        var sample = Sample("red-star.png");
        const int Files = 240;
        for (var i = 0; i < Files; i++)
        {
            // A different last byte after IEND keeps each file's content (and so its result row) distinct.
            Drop(inbox, $"star-{i:D3}.png", [.. sample, (byte)i, (byte)(i >> 8)]);
        }

        await using var worker = await WorkerRun.StartAsync(settings);
        await WorkerRun.WaitUntilAsync(async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") == Files, $"{Files} images are labelled");

        // Prepare workers (2) + the prepared channel (2 batches) + the batch being filled (1 batch).
        Assert.InRange(worker.Telemetry.Totals().MaxImagesHeld, 1, 2 + (3 * 4));
        Assert.Equal(Files, await results.ScalarAsync("SELECT COUNT(*) FROM labels WHERE rank = 1 AND label_id = 'star'"));
    }
}
