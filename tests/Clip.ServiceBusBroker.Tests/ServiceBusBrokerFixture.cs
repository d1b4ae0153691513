using Azure.Messaging.ServiceBus;

namespace Clip.ServiceBusBroker.Tests;

/// <summary>One broker and one real Service Bus client for the whole run; each test makes its own queue.</summary>
public sealed class ServiceBusBrokerFixture : IAsyncLifetime, IDisposable
{
    /// <summary>How long a test waits for something that should happen at once; generous for a busy machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private LoopbackServiceBusBroker? _broker;
    private ServiceBusClient? _client;

    public LoopbackServiceBusBroker Broker => _broker ?? throw new InvalidOperationException("The fixture is not initialized.");

    public ServiceBusClient Client => _client ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>A queue no other test uses.</summary>
    public BrokerQueue CreateQueue(int maxDeliveryCount = 10, TimeSpan? lockDuration = null) =>
        Broker.CreateQueue("queue-" + Guid.NewGuid().ToString("N"), maxDeliveryCount, lockDuration);

    /// <summary>Receives one message, failing the test when none arrives.</summary>
    public static async Task<ServiceBusReceivedMessage> ReceiveOneAsync(ServiceBusReceiver receiver) =>
        await receiver.ReceiveMessageAsync(Patience) ?? throw new Xunit.Sdk.XunitException($"No message arrived from '{receiver.EntityPath}' within {Patience}.");

    public async Task InitializeAsync()
    {
        _broker = await LoopbackServiceBusBroker.StartAsync();
        _client = new ServiceBusClient(_broker.ConnectionString, new ServiceBusClientOptions
        {
            // Fail fast instead of retrying for a minute when a contract breaks.
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 1, TryTimeout = TimeSpan.FromSeconds(10), Delay = TimeSpan.FromMilliseconds(100) },
        });
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }

    public void Dispose() => DisposeAsync().GetAwaiter().GetResult();
}

[CollectionDefinition(Name)]
public sealed class ServiceBusBrokerDefinition : ICollectionFixture<ServiceBusBrokerFixture>
{
    public const string Name = "Loopback Service Bus broker";
}
