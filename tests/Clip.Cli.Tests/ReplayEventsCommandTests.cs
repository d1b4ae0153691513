using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.TestUtilities;

namespace Clip.Cli.Tests;

[Collection(UploadFixture.Collection)]
public sealed class ReplayEventsCommandTests(UploadFixture cloud)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> NoConnectionStrings = new()
    {
        ["CLIP_STORAGE_CONNECTION_STRING"] = null,
        ["CLIP_SERVICEBUS_CONNECTION_STRING"] = null,
    };

    private static readonly DateTimeOffset EventTime = new(2026, 12, 1, 23, 5, 0, TimeSpan.Zero);

    [Fact]
    public async Task ReplayEvents_DeadLetterBlobs_SendsEachEventAsLiveAndDeletesOnlyTheBlobsFullySent()
    {
        var container = cloud.NewContainer();
        await container.CreateAsync();
        var queue = cloud.NewQueue();
        byte[][] live =
        [
            BlobCreatedEventWriter.EventGrid(Event("a.png"), AccountId, EventTime),
            BlobCreatedEventWriter.EventGrid(Event("b.jpg"), AccountId, EventTime),
            BlobCreatedEventWriter.CloudEvent(Event("c.png"), AccountId, EventTime),
        ];
        const string twoEvents = "CLIP-IMAGES/2026/12/1/23/11111111-1111-1111-1111-111111111111.json";
        const string oneEvent = "CLIP-IMAGES/2026/12/2/0/22222222-2222-2222-2222-222222222222.json";
        const string malformed = "CLIP-IMAGES/2026/12/2/0/33333333-3333-3333-3333-333333333333.json";
        await UploadAsync(container, twoEvents, DeadLettered(live[0], live[1]));
        await UploadAsync(container, oneEvent, DeadLettered(live[2]));
        await UploadAsync(container, malformed, "{\"not\": \"an array\"}"u8.ToArray());

        var result = await ReplayAsync(container, "--queue", queue.Name, "--delete-after");

        Assert.True(result.ExitCode == 1, result.StandardError);
        Assert.Contains($"clip: {malformed}: not a dead-letter batch (not_object_or_array)", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("3 blobs, 1 malformed, 0 failed; 3 of 3 events sent; 2 blobs deleted", result.StandardError, StringComparison.Ordinal);
        Assert.Equal([$"{twoEvents}: 2 events sent, deleted", $"{oneEvent}: 1 events sent, deleted"], result.OutputLines);
        await queue.WaitUntilAsync(q => q.ActiveCount == 3, Patience);
        var parser = new BlobCreatedEventParser();
        foreach (var body in live)
        {
            var expected = Assert.IsType<BlobCreatedEvent>(Assert.Single(parser.Parse(body)));
            var message = Assert.Single(queue.ActiveMessages, m => m.MessageId == expected.Id);
            Assert.Equal(body, message.Body.ToArray());
            Assert.Equal(expected, Assert.IsType<BlobCreatedEvent>(Assert.Single(parser.Parse(message.Body))));
        }

        Assert.Equal([malformed], container.GetBlobs().Select(b => b.Name));
    }

    [Fact]
    public async Task ReplayEvents_DryRun_SendsAndDeletesNothing()
    {
        var container = cloud.NewContainer();
        await container.CreateAsync();
        var queue = cloud.NewQueue();
        const string name = "CLIP-IMAGES/2026/12/1/23/44444444-4444-4444-4444-444444444444.json";
        await UploadAsync(container, name, DeadLettered(
            BlobCreatedEventWriter.EventGrid(Event("a.png"), AccountId, EventTime), BlobCreatedEventWriter.EventGrid(Event("b.png"), AccountId, EventTime)));

        var result = await ReplayAsync(container, "--queue", queue.Name, "--dry-run");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal([$"{name}: 2 events to send"], result.OutputLines);
        Assert.Contains("dry run: 1 blobs, 0 malformed, 2 events would be sent", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, queue.ActiveCount);
        Assert.Equal([name], container.GetBlobs().Select(b => b.Name));
    }

    [Fact]
    public async Task ReplayEvents_Twice_SendsTheSameMessageIdsSoDuplicateDetectionDropsTheRepeat()
    {
        var container = cloud.NewContainer();
        await container.CreateAsync();
        var queue = cloud.NewQueue();
        var blobEvent = Event("a.png");
        await UploadAsync(container, "SUB/2026/12/1/23/x.json", DeadLettered(BlobCreatedEventWriter.EventGrid(blobEvent, AccountId, EventTime)));

        var first = await ReplayAsync(container, "--queue", queue.Name);
        var second = await ReplayAsync(container, "--queue", queue.Name);

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.StandardError + second.StandardError);
        await queue.WaitUntilAsync(q => q.ActiveCount == 2, Patience);
        Assert.All(queue.ActiveMessages, m => Assert.Equal(blobEvent.Id, m.MessageId));
        Assert.Single(container.GetBlobs());
    }

    private static string AccountId => "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/clip/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";

    private BlobCreatedEvent Event(string name) =>
        new(Guid.NewGuid().ToString(), new Uri($"{cloud.Azurite.BlobEndpoint}/images/{name}"), "images", name, "0x8DC0000000000", 1234, "image/png", "PutBlob");

    // What Event Grid writes: the events as published, each with the dead-letter properties added, in one array.
    private static byte[] DeadLettered(params byte[][] events)
    {
        var array = new JsonArray();
        foreach (var body in events)
        {
            var deadLettered = JsonNode.Parse(body)!.AsObject();
            deadLettered["deadLetterReason"] = "MaxDeliveryAttemptsExceeded";
            deadLettered["deliveryAttempts"] = 30;
            deadLettered["lastDeliveryOutcome"] = "NotFound";
            deadLettered["publishTime"] = "2026-12-01T23:05:00.1234567Z";
            deadLettered["lastDeliveryAttemptTime"] = "2026-12-02T23:04:00.7654321Z";
            array.Add(deadLettered);
        }

        return System.Text.Encoding.UTF8.GetBytes(array.ToJsonString());
    }

    private static async Task UploadAsync(BlobContainerClient container, string name, byte[] content) =>
        await container.GetBlobClient(name).UploadAsync(new BinaryData(content));

    private Task<CliProcess.Result> ReplayAsync(BlobContainerClient container, params string[] arguments) =>
        CliProcess.RunWithEnvironmentAsync(
            NoConnectionStrings,
            ["replay-events", "--from-container", container.Name, "--storage-connection-string", cloud.Azurite.ConnectionString,
             "--service-bus-connection-string", cloud.Broker.ConnectionString, .. arguments]);
}
