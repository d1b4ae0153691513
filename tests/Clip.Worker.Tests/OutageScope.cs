using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;

namespace Clip.Worker.Tests;

/// <summary>
/// A private loopback broker and Azurite (kept on disk, so it can be stopped and started again) for a test that takes
/// one of them away; shared fixtures cannot be. Uploads numbered variants of a sample and sends their events.
/// </summary>
internal sealed class OutageScope : IAsyncDisposable
{
    private const string Account = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";

    private OutageScope(AzuriteServer azurite, LoopbackServiceBusBroker broker, ServiceBusClient client, BrokerQueue queue, BlobContainerClient container, Dictionary<string, string?> settings)
    {
        Azurite = azurite;
        Broker = broker;
        Client = client;
        Queue = queue;
        Container = container;
        Settings = settings;
    }

    public AzuriteServer Azurite { get; }

    public LoopbackServiceBusBroker Broker { get; }

    public ServiceBusClient Client { get; }

    public BrokerQueue Queue { get; }

    public BlobContainerClient Container { get; }

    public Dictionary<string, string?> Settings { get; }

    public static async Task<OutageScope> StartAsync(TemporaryDirectory temp, int maxDeliveryCount = 10)
    {
        var azurite = AzuriteServer.Persistent();
        await azurite.InitializeAsync();
        var broker = await LoopbackServiceBusBroker.StartAsync();
        var queue = broker.CreateQueue("images", maxDeliveryCount, TimeSpan.FromSeconds(30));
        var container = new BlobContainerClient(azurite.ConnectionString, "images");
        await container.CreateAsync();
        var settings = CloudFixture.WorkerSettings(temp, broker, "images", maxDeliveryCount, azurite, "images");
        return new OutageScope(azurite, broker, new ServiceBusClient(broker.ConnectionString), queue, container, settings);
    }

    /// <summary>Distinct images: the same picture with different trailing bytes after the PNG's end.</summary>
    public static byte[] Variant(int i) => [.. File.ReadAllBytes(TestPaths.Data("samples", "red-star.png")), (byte)i, (byte)(i >> 8)];

    /// <summary>Uploads <paramref name="count"/> variants as <c>img-000.png</c>…, then sends their events in that order.</summary>
    public async Task UploadAndSendAsync(int count, Func<int, string>? name = null)
    {
        await using var sender = Client.CreateSender("images");
        for (var i = 0; i < count; i++)
        {
            var blobName = name?.Invoke(i) ?? $"img-{i:D3}.png";
            var blob = Container.GetBlobClient(blobName);
            var content = Variant(i);
            var info = (await blob.UploadAsync(new BinaryData(content), overwrite: true)).Value;
            var created = new BlobCreatedEvent(Guid.NewGuid().ToString(), blob.Uri, "images", blobName, info.ETag.ToString().Trim('"'), content.LongLength, "image/png", "PutBlob");
            await sender.SendMessageAsync(new ServiceBusMessage(BlobCreatedEventWriter.EventGrid(created, Account, DateTimeOffset.UtcNow)) { MessageId = Guid.NewGuid().ToString() });
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Broker.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
