using System.Text;
using Clip.Ingestion.Events;
using Clip.Ingestion.Messages;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>How the pipeline settles event messages that never reach a blob: the failure policy, independent of the transport.</summary>
public sealed class PipelineDispositionTests : IAsyncLifetime, IDisposable
{
    private const string Account = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/myaccount";
    private readonly TemporaryDirectory _temp = new();
    private WorkerRun? _worker;

    private IMessageHandler Handler => _worker!.App.Services.GetRequiredService<IMessageHandler>();

    public async Task InitializeAsync()
    {
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = _temp.File("inbox");
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Sources:AllowedContainers:0"] = "https://myaccount.blob.core.windows.net/images";
        _worker = await WorkerRun.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private static EventMessage Message(string body) => new(Guid.NewGuid().ToString(), 1, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(body));

    private static BlobCreatedEvent Event(string url, string container = "images", string blob = "cat.jpg") =>
        new("e-" + Guid.NewGuid().ToString("N"), new Uri(url), container, blob, "0x8D4BCC2E4835CD0", 1000, "image/jpeg", "PutBlob");

    [Fact]
    public async Task Handle_BodyThatIsNotJson_DeadLettersAndRecordsAnEventFailure()
    {
        var message = Message("this is not json");

        var disposition = await Handler.HandleAsync(message, CancellationToken.None);

        var dead = Assert.IsType<MessageDisposition.DeadLettered>(disposition);
        Assert.Equal("malformed_event:not_json", dead.Reason);
        var failure = Assert.Single(await _worker!.Store.GetFailuresAsync());
        Assert.Equal(($"message:{message.Id}", "malformed_event:not_json"), (failure.SourceUri, failure.Reason));
    }

    [Fact]
    public async Task Handle_EventForAnotherStorageAccount_DeadLettersAsRefusedWithoutFetching()
    {
        var body = Encoding.UTF8.GetString(BlobCreatedEventWriter.EventGrid(Event("https://attacker.blob.core.windows.net/images/cat.jpg"), Account, DateTimeOffset.UtcNow));

        var disposition = await Handler.HandleAsync(Message(body), CancellationToken.None);

        var dead = Assert.IsType<MessageDisposition.DeadLettered>(disposition);
        Assert.Equal("refused_source:host_not_allowed", dead.Reason);
        var failure = Assert.Single(await _worker!.Store.GetFailuresAsync());
        Assert.Equal("https://attacker.blob.core.windows.net/images/cat.jpg", failure.SourceUri);
    }

    [Fact]
    public async Task Handle_HundredKilobyteBlobName_DeadLettersAsUrlTooLongAndRecordsAShortenedSource()
    {
        var name = new string('n', 100 * 1024);
        var url = "https://myaccount.blob.core.windows.net/images/" + name;
        var body = Encoding.UTF8.GetString(BlobCreatedEventWriter.EventGrid(Event(url, blob: name), Account, DateTimeOffset.UtcNow));

        var disposition = await Handler.HandleAsync(Message(body), CancellationToken.None);

        var dead = Assert.IsType<MessageDisposition.DeadLettered>(disposition);
        Assert.Equal("refused_source:url_too_long", dead.Reason);
        var failure = Assert.Single(await _worker!.Store.GetFailuresAsync());
        Assert.Equal(("validate", "refused_source:url_too_long"), (failure.Stage.ToString().ToLowerInvariant(), failure.Reason));
        Assert.StartsWith("https://myaccount.blob.core.windows.net/images/nnn", failure.SourceUri, StringComparison.Ordinal);
        Assert.True(failure.SourceUri.Length < 512, $"{failure.SourceUri.Length} characters recorded");
    }

    [Fact]
    public async Task Handle_OnlyEventsOfOtherTypes_CompletesWithNothingRecorded()
    {
        const string deleted = """
            {"subject":"/blobServices/default/containers/images/blobs/old.jpg","eventType":"Microsoft.Storage.BlobDeleted","id":"d-1",
             "eventTime":"2024-05-01T10:00:00Z","data":{"url":"https://myaccount.blob.core.windows.net/images/old.jpg"}}
            """;

        var disposition = await Handler.HandleAsync(Message(deleted), CancellationToken.None);

        Assert.IsType<MessageDisposition.Completed>(disposition);
        Assert.Empty(await _worker!.Store.GetFailuresAsync());
    }

    [Fact]
    public async Task Handle_ArrayWithOneRefusedEventAmongIgnoredOnes_DeadLettersTheMessage()
    {
        var refused = Encoding.UTF8.GetString(BlobCreatedEventWriter.CloudEvent(Event("https://myaccount.blob.core.windows.net/secrets/key.jpg", container: "secrets", blob: "key.jpg"), Account, DateTimeOffset.UtcNow));
        const string deleted = """
            {"specversion":"1.0","type":"Microsoft.Storage.BlobDeleted","source":"/x","id":"d-2","subject":"/blobServices/default/containers/images/blobs/a.jpg",
             "data":{"url":"https://myaccount.blob.core.windows.net/images/a.jpg"}}
            """;

        var disposition = await Handler.HandleAsync(Message($"[{deleted},{refused}]"), CancellationToken.None);

        var dead = Assert.IsType<MessageDisposition.DeadLettered>(disposition);
        Assert.Equal("refused_source:container_not_allowed", dead.Reason);
    }
}
