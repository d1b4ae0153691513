using Azure.Messaging.ServiceBus;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Sasl;
using Microsoft.Azure.Amqp.Transport;

namespace Clip.ServiceBusBroker.Tests;

/// <summary>
/// Outcomes the Service Bus client sends on its own, outside any public API: a receive link that closes with messages
/// still in its buffer releases them (Microsoft.Azure.Amqp's ReceivingAmqpLink). Driven here with a bare AMQP
/// receiver so the outcome is certain.
/// </summary>
[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class RawDispositionTests(ServiceBusBrokerFixture fixture)
{
    [Fact]
    public async Task Released_LockedMessage_ComesBackWithoutCountingTheDelivery()
    {
        var queue = fixture.CreateQueue(maxDeliveryCount: 1);
        await SendAsync(queue, "released");
        await using var raw = await RawReceiver.OpenAsync(fixture.Broker.Port, queue.Name);

        var first = await raw.ReceiveAsync();
        Assert.Equal(0u, first.Header.DeliveryCount);
        raw.Link.DisposeMessage(first, AmqpConstants.ReleasedOutcome, settled: true, batchable: false);

        // The link's credit comes back with the release, so the broker may hand the message straight back to this
        // link: no state in between is waited for. At a max delivery count of 1, a counted delivery would have
        // dead-lettered the message instead of delivering it again.
        var second = await raw.ReceiveAsync();
        Assert.Equal(0u, second.Header.DeliveryCount);
        Assert.Equal("released", second.Properties.MessageId.ToString());
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task Modified_LockedMessage_CountsTheDeliveryAsAnAbandon()
    {
        var queue = fixture.CreateQueue();
        await SendAsync(queue, "modified");
        await using var raw = await RawReceiver.OpenAsync(fixture.Broker.Port, queue.Name);

        var first = await raw.ReceiveAsync();
        raw.Link.DisposeMessage(first, new Modified { DeliveryFailed = true }, settled: true, batchable: false);
        var second = await raw.ReceiveAsync();

        Assert.Equal(first.Header.DeliveryCount + 1, second.Header.DeliveryCount);
    }

    private async Task SendAsync(BrokerQueue queue, string messageId)
    {
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("body") { MessageId = messageId });
    }

    private sealed class RawReceiver : IAsyncDisposable
    {
        private readonly AmqpConnection _connection;

        private RawReceiver(AmqpConnection connection, ReceivingAmqpLink link)
        {
            _connection = connection;
            Link = link;
        }

        public ReceivingAmqpLink Link { get; }

        public static async Task<RawReceiver> OpenAsync(int port, string queueName)
        {
            var timeout = ServiceBusBrokerFixture.Patience;
            var sasl = new SaslTransportProvider();
            sasl.Versions.Add(new AmqpVersion(1, 0, 0));
            sasl.AddHandler(new SaslAnonymousHandler("MSSBCBS"));
            var amqp = new AmqpTransportProvider();
            amqp.Versions.Add(new AmqpVersion(1, 0, 0));
            var settings = new AmqpSettings();
            settings.TransportProviders.Add(sasl);
            settings.TransportProviders.Add(amqp);
            var initiator = new AmqpTransportInitiator(settings, new TcpTransportSettings { Host = "127.0.0.1", Port = port });
            var transport = await initiator.ConnectTaskAsync(timeout);
            var connection = new AmqpConnection(transport, settings, new AmqpConnectionSettings { ContainerId = "raw-receiver", HostName = "localhost" });
            await connection.OpenAsync(timeout);
            var session = connection.CreateSession(new AmqpSessionSettings());
            await session.OpenAsync(timeout);
            var link = new ReceivingAmqpLink(session, new AmqpLinkSettings
            {
                Role = true,
                LinkName = "raw-" + Guid.NewGuid().ToString("N"),
                Source = new Source { Address = queueName },
                Target = new Target { Address = "raw-receiver" },
                SettleType = SettleMode.SettleOnDispose,
                TotalLinkCredit = 1,
                AutoSendFlow = true,
            });
            await link.OpenAsync(timeout);
            return new RawReceiver(connection, link);
        }

        public async Task<AmqpMessage> ReceiveAsync() =>
            await Link.ReceiveMessageAsync(ServiceBusBrokerFixture.Patience)
            ?? throw new Xunit.Sdk.XunitException($"No message arrived within {ServiceBusBrokerFixture.Patience}.");

        public async ValueTask DisposeAsync() => await _connection.CloseAsync(ServiceBusBrokerFixture.Patience);
    }
}
