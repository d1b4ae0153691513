using Azure.Storage.Blobs;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;

namespace Clip.Cli.Tests;

/// <summary>Azurite and the loopback Service Bus broker, started once for the upload tests.</summary>
public sealed class UploadFixture : IAsyncLifetime
{
    public const string Collection = "upload";

    public AzuriteServer Azurite { get; } = new();

    public LoopbackServiceBusBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Azurite.InitializeAsync();
        Broker = await LoopbackServiceBusBroker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        await Azurite.DisposeAsync();
    }

    /// <summary>A container name no other test uses, not yet created.</summary>
    public BlobContainerClient NewContainer() =>
        new BlobServiceClient(Azurite.ConnectionString).GetBlobContainerClient("c" + Guid.NewGuid().ToString("N"));

    /// <summary>A fresh queue on the broker.</summary>
    public BrokerQueue NewQueue() => Broker.CreateQueue("q" + Guid.NewGuid().ToString("N")[..12]);
}

[CollectionDefinition(UploadFixture.Collection)]
public sealed class UploadFixtureDefinition : ICollectionFixture<UploadFixture>;
