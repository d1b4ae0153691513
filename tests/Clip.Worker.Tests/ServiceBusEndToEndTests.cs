using System.Text;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>
/// The worker end to end over real protocols: blobs in Azurite, BlobCreated events on the loopback Service Bus broker,
/// the real worker host in between, results in SQLite, and the queue's final state checked message by message.
/// </summary>
[Collection(CloudFixture.Collection)]
public sealed class ServiceBusEndToEndTests(CloudFixture cloud) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private SqliteResults Results => new(_temp.File("clip.db"));

    private static byte[] Sample(string name) => File.ReadAllBytes(TestPaths.Data("samples", name));

    private static Task Settled(BrokerQueue queue, int completed, int deadLettered) => queue.WaitUntilAsync(
        q => q.CompletedCount == completed && q.DeadLetters.Count == deadLettered && q.ActiveCount == 0, Patience);

    [Fact]
    public async Task Worker_UploadedBlobsAndTheirEvents_LabelsEachCompletesItsMessageAndDeadLettersTheCorruptOne()
    {
        await using var scope = await cloud.CreateScopeAsync(_temp);
        var names = Directory.GetFiles(TestPaths.Data("samples")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        foreach (var name in names)
        {
            await scope.UploadAndSendAsync($"uploads/{name}", Sample(name!));
        }

        await scope.UploadAndSendAsync("uploads/truncated.png", Sample("red-star.png")[..200]);
        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await Settled(scope.Queue, completed: names.Count, deadLettered: 1);

        var labels = await Results.TopLabelsAsync();
        Assert.Equal(names.Count, labels.Count);
        Assert.Equal("star", labels["red-star.png"]);
        Assert.Equal("cross", labels["black-cross.jpg"]);
        var dead = Assert.Single(scope.Queue.DeadLetters);
        Assert.Equal("corrupt", dead.DeadLetterReason);
        Assert.Equal([("truncated.png", "decode", "corrupt")], await Results.FailuresAsync());
    }

    [Fact]
    public async Task Worker_PoisonMessagesOfEveryKind_DeadLettersEachWithItsReasonAndLabelsTheGoodOne()
    {
        await using var scope = await cloud.CreateScopeAsync(_temp);
        scope.Settings["Clip:Sources:MaxBlobBytes"] = "200000";
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [await scope.SendRawAsync(Encoding.UTF8.GetBytes("{ not json"))] = "malformed_event:not_json",
            [await scope.SendRawAsync(Encoding.UTF8.GetBytes("""{"eventType":"Microsoft.Storage.BlobCreated","id":"x"}"""))] = "malformed_event:missing_field",
            [await scope.SendAsync(await scope.UploadAsync("text.png", Encoding.UTF8.GetBytes("hello, I am not an image")))] = "unknown_format",
            [await scope.SendAsync(await scope.UploadAsync("bomb.png", HostileImages.PngHeader(60_000, 60_000)))] = "too_many_pixels",
            [await scope.SendAsync(await scope.UploadAsync("big.png", new byte[300_000]))] = "refused_source:too_large",
            [await scope.SendAsync(await scope.UploadAsync("lying.png", new byte[300_000]) with { ContentLength = null })] = "too_large",
        };
        var elsewhere = await scope.UploadAsync("elsewhere.png", Sample("red-star.png"));
        expected[await scope.SendAsync(elsewhere with { BlobUri = new Uri($"https://evil.example.com/{scope.Container.Name}/elsewhere.png") })] = "refused_source:host_not_allowed";
        await scope.UploadAndSendAsync("good.png", Sample("red-star.png"));

        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await Settled(scope.Queue, completed: 1, deadLettered: expected.Count);

        Assert.Equal(
            expected.Select(e => $"{e.Key} {e.Value}").Order(StringComparer.Ordinal),
            scope.Queue.DeadLetters.Select(m => $"{m.MessageId} {m.DeadLetterReason}").Order(StringComparer.Ordinal));
        Assert.All(scope.Queue.DeadLetters, m => Assert.False(string.IsNullOrWhiteSpace(m.DeadLetterErrorDescription)));
        Assert.Equal(expected.Count, await Results.ScalarAsync("SELECT COUNT(*) FROM failures"));
        Assert.Equal(new Dictionary<string, string> { ["good.png"] = "star" }, await Results.TopLabelsAsync());
    }

    [Fact]
    public async Task Worker_BlobDeletedOrReplacedAfterItsEvent_CompletesTheMessageAndRecordsWhy()
    {
        await using var scope = await cloud.CreateScopeAsync(_temp);
        var deleted = await scope.UploadAsync("deleted.png", Sample("red-star.png"));
        await scope.Container.DeleteBlobAsync("deleted.png");
        await scope.SendAsync(deleted);
        var replaced = await scope.UploadAsync("replaced.png", Sample("red-star.png"));
        var replacement = await scope.UploadAsync("replaced.png", Sample("green-square.jpg"));
        await scope.SendAsync(replaced);
        await scope.SendAsync(replacement);

        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await Settled(scope.Queue, completed: 3, deadLettered: 0);

        Assert.Equal(
            [("deleted.png", "download", "blob_not_found"), ("replaced.png", "download", "blob_superseded")],
            (await Results.FailuresAsync()).Order().ToList());
        Assert.Equal(new Dictionary<string, string> { ["replaced.png"] = "square" }, await Results.TopLabelsAsync());
    }

    [Fact]
    public async Task Worker_SameEventDeliveredTwice_WritesOneResultAndCompletesBoth()
    {
        await using var scope = await cloud.CreateScopeAsync(_temp);
        var blobEvent = await scope.UploadAsync("twice.png", Sample("white-heart.png"));
        await scope.SendAsync(blobEvent);
        await using (var first = await WorkerRun.StartAsync(scope.Settings))
        {
            await Settled(scope.Queue, completed: 1, deadLettered: 0);
        }

        await scope.SendAsync(blobEvent);
        await using var second = await WorkerRun.StartAsync(scope.Settings);
        await Settled(scope.Queue, completed: 2, deadLettered: 0);

        Assert.Equal(1, await Results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(1, second.Telemetry.Totals().ImagesSkipped);
    }
}
