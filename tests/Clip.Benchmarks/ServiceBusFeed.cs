using System.Diagnostics;
using System.Globalization;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.ServiceBus;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;
using Clip.Worker.Telemetry;

namespace Clip.Benchmarks;

/// <summary>
/// The production path: each image a blob in Azurite and a BlobCreated event on a fresh queue of the loopback Service
/// Bus broker. A host is done when its queue has settled every message.
/// </summary>
internal sealed class ServiceBusFeed : IWorkerFeed
{
    private const int UploadConcurrency = 8;
    private const string Account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";

    private readonly AzuriteServer _azurite;
    private readonly LoopbackServiceBusBroker _broker;
    private readonly ServiceBusClient _serviceBus;
    private readonly BenchmarkPhotos _photos;
    private readonly int _maxConcurrentMessages;

    private ServiceBusFeed(AzuriteServer azurite, LoopbackServiceBusBroker broker, BenchmarkPhotos photos, int maxConcurrentMessages)
    {
        _azurite = azurite;
        _broker = broker;
        _serviceBus = new ServiceBusClient(broker.ConnectionString);
        _photos = photos;
        _maxConcurrentMessages = maxConcurrentMessages;
    }

    public IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Clip:Storage:ConnectionString"] = _azurite.ConnectionString,
        ["Clip:Sources:AllowLoopbackForDevelopment"] = "true",
        ["Clip:ServiceBus:ConnectionString"] = _broker.ConnectionString,
        ["Clip:ServiceBus:MaxConcurrentMessages"] = _maxConcurrentMessages.ToString(CultureInfo.InvariantCulture),
    };

    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"Service Bus (loopback broker) with blobs in Azurite, concurrency {_maxConcurrentMessages} messages, prefetch {new ServiceBusSourceOptions().PrefetchCount}");

    public string InProcess => "worker, broker, harness";

    public string? ChildProcess => "Azurite";

    /// <summary>Starts Azurite and the broker; hosts take up to <paramref name="maxConcurrentMessages"/> messages at once.</summary>
    public static async Task<ServiceBusFeed> StartAsync(BenchmarkPhotos photos, int maxConcurrentMessages)
    {
        var azurite = new AzuriteServer();
        try
        {
            await azurite.InitializeAsync();
            return new ServiceBusFeed(azurite, await LoopbackServiceBusBroker.StartAsync(), photos, maxConcurrentMessages);
        }
        catch
        {
            azurite.Dispose();
            throw;
        }
    }

    /// <summary>Uploads <paramref name="count"/> distinct blobs to a new container and sends one BlobCreated event per blob to a new queue.</summary>
    public async Task<FilledFeed> FillAsync(string run, int count)
    {
        var name = run + Guid.NewGuid().ToString("N")[..12];
        var queue = _broker.CreateQueue(name);
        var container = new BlobContainerClient(_azurite.ConnectionString, name);
        await container.CreateAsync();

        var started = Stopwatch.GetTimestamp();
        var events = new BlobCreatedEvent[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = UploadConcurrency }, async (i, ct) =>
        {
            var image = _photos.Distinct(name, i);
            var blob = container.GetBlobClient(image.Name);
            var info = (await blob.UploadAsync(new BinaryData(image.Bytes), overwrite: true, ct)).Value;
            events[i] = new BlobCreatedEvent(
                Guid.NewGuid().ToString(), blob.Uri, name, image.Name, info.ETag.ToString().Trim('"'), image.Bytes.LongLength, image.ContentType, "PutBlob");
        });
        var upload = Stopwatch.GetElapsedTime(started);

        started = Stopwatch.GetTimestamp();
        await using var sender = _serviceBus.CreateSender(name);
        var unsent = new Queue<ServiceBusMessage>(events.Select(e =>
            new ServiceBusMessage(BlobCreatedEventWriter.EventGrid(e, Account, DateTimeOffset.UtcNow)) { MessageId = e.Id, ContentType = "application/json" }));
        while (unsent.Count > 0)
        {
            using var batch = await sender.CreateMessageBatchAsync();
            while (unsent.Count > 0 && batch.TryAddMessage(unsent.Peek()))
            {
                unsent.Dequeue();
            }

            await sender.SendMessagesAsync(batch);
        }

        return new FilledQueue(queue, $"{_azurite.BlobEndpoint}/{name}", count, upload, Stopwatch.GetElapsedTime(started));
    }

    public async ValueTask DisposeAsync()
    {
        await _serviceBus.DisposeAsync();
        await _broker.DisposeAsync();
        _azurite.Dispose();
    }

    private sealed class FilledQueue(BrokerQueue queue, string container, int count, TimeSpan upload, TimeSpan send) : FilledFeed
    {
        public override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
        {
            ["Clip:ServiceBus:QueueName"] = queue.Name,
            ["Clip:Sources:AllowedContainers:0"] = container,
        };

        public override string Preparation => string.Create(
            CultureInfo.InvariantCulture, $"{count} distinct blobs uploaded in {upload.TotalSeconds:0.0} s, {count} events sent in {send.TotalSeconds:0.0} s");

        public override int DeadLettered => queue.DeadLetterQueue?.ActiveCount ?? 0;

        public override Task WaitUntilDoneAsync(WorkerTelemetry telemetry, TimeSpan patience) =>
            queue.WaitUntilAsync(q => q.CompletedCount + (q.DeadLetterQueue?.ActiveCount ?? 0) >= count, patience);
    }
}
