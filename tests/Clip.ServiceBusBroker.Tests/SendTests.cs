using Azure.Messaging.ServiceBus;

namespace Clip.ServiceBusBroker.Tests;

[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class SendTests(ServiceBusBrokerFixture fixture)
{
    [Fact]
    public async Task SendMessageAsync_OneMessage_ArrivesWithBodyIdPropertiesAndPeekLock()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        var sent = new ServiceBusMessage("hello"u8.ToArray())
        {
            MessageId = "message-1",
            CorrelationId = "correlation-1",
            Subject = "greeting",
            ContentType = "text/plain",
        };

        await sender.SendMessageAsync(sent);
        await queue.WaitUntilAsync(q => q.ActiveCount == 1, ServiceBusBrokerFixture.Patience);
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        Assert.Equal("hello", received.Body.ToString());
        Assert.Equal("message-1", received.MessageId);
        Assert.Equal("correlation-1", received.CorrelationId);
        Assert.Equal("greeting", received.Subject);
        Assert.Equal("text/plain", received.ContentType);
        Assert.Equal(1, received.DeliveryCount);
        Assert.Equal(1, received.SequenceNumber);
        Assert.NotEqual(default, received.LockToken);
        Assert.InRange(received.LockedUntil, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow + queue.LockDuration + TimeSpan.FromSeconds(1));
        Assert.InRange(received.EnqueuedTime, DateTimeOffset.UtcNow - ServiceBusBrokerFixture.Patience, DateTimeOffset.UtcNow);
        Assert.Equal(1, queue.LockedCount);
    }

    [Fact]
    public async Task SendMessageAsync_ApplicationProperties_RoundTripWithTheirTypes()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        var enqueuedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var sent = new ServiceBusMessage("{}") { MessageId = "with-properties" };
        sent.ApplicationProperties["tenant"] = "contoso";
        sent.ApplicationProperties["attempt"] = 3;
        sent.ApplicationProperties["size"] = 5_000_000_000L;
        sent.ApplicationProperties["urgent"] = true;
        sent.ApplicationProperties["score"] = 0.25;
        sent.ApplicationProperties["at"] = enqueuedAt;

        await sender.SendMessageAsync(sent);
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        Assert.Equal("with-properties", received.MessageId);
        Assert.Equal("contoso", received.ApplicationProperties["tenant"]);
        Assert.Equal(3, received.ApplicationProperties["attempt"]);
        Assert.Equal(5_000_000_000L, received.ApplicationProperties["size"]);
        Assert.Equal(true, received.ApplicationProperties["urgent"]);
        Assert.Equal(0.25, received.ApplicationProperties["score"]);
        Assert.Equal(enqueuedAt, received.ApplicationProperties["at"]);
        var stored = Assert.Single(queue.ActiveMessages);
        Assert.Equal("with-properties", stored.MessageId);
        Assert.Equal("contoso", stored.ApplicationProperties["tenant"]);
        Assert.Equal("{}"u8.ToArray(), stored.Body.ToArray());
    }

    [Fact]
    public async Task SendMessagesAsync_Batch_EnqueuesEveryMessageInOrder()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        using var batch = await sender.CreateMessageBatchAsync();
        for (var i = 0; i < 5; i++)
        {
            var message = new ServiceBusMessage($"job {i}") { MessageId = $"job-{i}" };
            message.ApplicationProperties["index"] = i;
            Assert.True(batch.TryAddMessage(message));
        }

        await sender.SendMessagesAsync(batch);
        await queue.WaitUntilAsync(q => q.ActiveCount == 5, ServiceBusBrokerFixture.Patience);
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < 5)
        {
            received.AddRange(await receiver.ReceiveMessagesAsync(5 - received.Count, ServiceBusBrokerFixture.Patience));
        }

        Assert.Equal(["job-0", "job-1", "job-2", "job-3", "job-4"], received.Select(m => m.MessageId));
        Assert.Equal(["job 0", "job 1", "job 2", "job 3", "job 4"], received.Select(m => m.Body.ToString()));
        Assert.Equal([0, 1, 2, 3, 4], received.Select(m => (int)m.ApplicationProperties["index"]));
        Assert.Equal([1L, 2, 3, 4, 5], received.Select(m => m.SequenceNumber));
        Assert.Equal(5, received.Select(m => m.LockToken).Distinct().Count());
        Assert.Equal(5, queue.LockedCount);
    }

    [Fact]
    public async Task SendMessageAsync_UnknownQueue_ThrowsMessagingEntityNotFound()
    {
        await using var sender = fixture.Client.CreateSender("no-such-queue");

        var exception = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("lost")));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, exception.Reason);
    }
}
