using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;

namespace Clip.Worker.Tests;

/// <summary>The cloud side over real protocols, once per test run: Azurite for blobs, the loopback broker for Service Bus.</summary>
public sealed class CloudFixture : IAsyncLifetime
{
    public const string Collection = "cloud";

    public AzuriteServer Azurite { get; } = new();

    public LoopbackServiceBusBroker Broker { get; private set; } = null!;

    public ServiceBusClient ServiceBus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Broker = await LoopbackServiceBusBroker.StartAsync();
        ServiceBus = new ServiceBusClient(Broker.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await ServiceBus.DisposeAsync();
        await Broker.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>A fresh queue and container for one test, and worker settings that point at them.</summary>
    public async Task<CloudScope> CreateScopeAsync(TemporaryDirectory temp, int maxDeliveryCount = 10, TimeSpan? lockDuration = null)
    {
        var name = "t" + Guid.NewGuid().ToString("N")[..12];
        var queue = Broker.CreateQueue(name, maxDeliveryCount, lockDuration ?? TimeSpan.FromSeconds(30));
        var container = new BlobContainerClient(Azurite.ConnectionString, name);
        await container.CreateAsync();
        var settings = WorkerSettings(temp, Broker, name, maxDeliveryCount, Azurite, name);
        return new CloudScope(queue, container, ServiceBus.CreateSender(name), settings);
    }

    /// <summary>Worker settings for a queue of <paramref name="broker"/> and a container of <paramref name="azurite"/>, results in SQLite.</summary>
    public static Dictionary<string, string?> WorkerSettings(
        TemporaryDirectory temp, LoopbackServiceBusBroker broker, string queue, int maxDeliveryCount, AzuriteServer azurite, string container)
    {
        var settings = WorkerRun.Defaults(temp);
        settings["Clip:ServiceBus:ConnectionString"] = broker.ConnectionString;
        settings["Clip:ServiceBus:QueueName"] = queue;
        settings["Clip:ServiceBus:MaxDeliveryCount"] = maxDeliveryCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Clip:ServiceBus:MaxConcurrentMessages"] = "16";
        settings["Clip:Storage:ConnectionString"] = azurite.ConnectionString;
        settings["Clip:Sources:AllowLoopbackForDevelopment"] = "true";
        settings["Clip:Sources:AllowedContainers:0"] = $"{azurite.BlobEndpoint}/{container}";
        settings["Clip:Database:ConnectionString"] = $"Data Source={temp.File("clip.db")}";
        return settings;
    }
}

[CollectionDefinition(CloudFixture.Collection)]
public sealed class CloudFixtureDefinition : ICollectionFixture<CloudFixture>;

/// <summary>One test's queue, container and worker settings.</summary>
public sealed class CloudScope(BrokerQueue queue, BlobContainerClient container, ServiceBusSender sender, Dictionary<string, string?> settings) : IAsyncDisposable
{
    private const string Account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";

    public BrokerQueue Queue { get; } = queue;

    public BlobContainerClient Container { get; } = container;

    public Dictionary<string, string?> Settings { get; } = settings;

    /// <summary>Uploads a blob and returns the BlobCreated event Event Grid would send for it.</summary>
    public async Task<BlobCreatedEvent> UploadAsync(string name, byte[] content)
    {
        var blob = Container.GetBlobClient(name);
        var info = (await blob.UploadAsync(new BinaryData(content), overwrite: true)).Value;
        return new BlobCreatedEvent(
            Guid.NewGuid().ToString(), blob.Uri, Container.Name, name, info.ETag.ToString().Trim('"'), content.LongLength, "image/png", "PutBlob");
    }

    public async Task<string> SendAsync(BlobCreatedEvent blobEvent) =>
        await SendRawAsync(BlobCreatedEventWriter.EventGrid(blobEvent, Account, DateTimeOffset.UtcNow));

    public async Task<string> SendRawAsync(byte[] body)
    {
        var message = new ServiceBusMessage(body) { MessageId = Guid.NewGuid().ToString(), ContentType = "application/json" };
        await sender.SendMessageAsync(message);
        return message.MessageId;
    }

    public async Task UploadAndSendAsync(string name, byte[] content) => await SendAsync(await UploadAsync(name, content));

    public ValueTask DisposeAsync() => sender.DisposeAsync();
}
