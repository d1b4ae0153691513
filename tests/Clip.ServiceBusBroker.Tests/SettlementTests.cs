using Azure.Messaging.ServiceBus;

namespace Clip.ServiceBusBroker.Tests;

[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class SettlementTests(ServiceBusBrokerFixture fixture)
{
    [Fact]
    public async Task CompleteMessageAsync_LockedMessage_RemovesItFromTheQueue()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("done") { MessageId = "complete-me" });
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await receiver.CompleteMessageAsync(received);

        Assert.Equal(0, queue.ActiveCount);
        Assert.Equal(1, queue.CompletedCount);
        var completed = Assert.Single(queue.Completed);
        Assert.Equal("complete-me", completed.MessageId);
        Assert.Equal("done"u8.ToArray(), completed.Body.ToArray());
        Assert.Equal(1, completed.DeliveryCount);
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task AbandonMessageAsync_LockedMessage_IsRedeliveredWithDeliveryCountPlusOne()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("retry me") { MessageId = "abandoned" });
        var first = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await receiver.AbandonMessageAsync(first);
        var second = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        Assert.Equal("abandoned", second.MessageId);
        Assert.Equal(first.SequenceNumber, second.SequenceNumber);
        Assert.Equal(first.DeliveryCount + 1, second.DeliveryCount);
        Assert.NotEqual(first.LockToken, second.LockToken);
        Assert.Equal(1, queue.LockedCount);
    }

    [Fact]
    public async Task DeadLetterMessageAsync_WithReasonAndDescription_MovesItToTheDeadLetterQueue()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await using var deadLetterReceiver = fixture.Client.CreateReceiver(queue.Name, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var sent = new ServiceBusMessage("not an image") { MessageId = "poison" };
        sent.ApplicationProperties["source"] = "upload";
        await sender.SendMessageAsync(sent);
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await receiver.DeadLetterMessageAsync(received, "BadImage", "The blob is not a decodable image.");

        Assert.Equal(0, queue.ActiveCount);
        var deadLetter = Assert.Single(queue.DeadLetters);
        Assert.Equal("poison", deadLetter.MessageId);
        Assert.Equal("not an image"u8.ToArray(), deadLetter.Body.ToArray());
        Assert.Equal("BadImage", deadLetter.DeadLetterReason);
        Assert.Equal("The blob is not a decodable image.", deadLetter.DeadLetterErrorDescription);
        Assert.Equal(1, deadLetter.DeliveryCount);
        Assert.Equal("upload", deadLetter.ApplicationProperties["source"]);

        var fromDeadLetterQueue = await ServiceBusBrokerFixture.ReceiveOneAsync(deadLetterReceiver);
        Assert.Equal("poison", fromDeadLetterQueue.MessageId);
        Assert.Equal("BadImage", fromDeadLetterQueue.DeadLetterReason);
        Assert.Equal("The blob is not a decodable image.", fromDeadLetterQueue.DeadLetterErrorDescription);
        Assert.Equal("upload", fromDeadLetterQueue.ApplicationProperties["source"]);
        await deadLetterReceiver.CompleteMessageAsync(fromDeadLetterQueue);
        Assert.Empty(queue.DeadLetters);
    }

    [Fact]
    public async Task AbandonMessageAsync_AtMaxDeliveryCount_DeadLettersTheMessage()
    {
        var queue = fixture.CreateQueue(maxDeliveryCount: 2);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("always fails") { MessageId = "flaky" });

        await receiver.AbandonMessageAsync(await ServiceBusBrokerFixture.ReceiveOneAsync(receiver));
        await receiver.AbandonMessageAsync(await ServiceBusBrokerFixture.ReceiveOneAsync(receiver));

        Assert.Equal(0, queue.ActiveCount);
        var deadLetter = Assert.Single(queue.DeadLetters);
        Assert.Equal("flaky", deadLetter.MessageId);
        Assert.Equal(BrokerQueue.MaxDeliveryCountExceeded, deadLetter.DeadLetterReason);
        Assert.Equal(2, deadLetter.DeliveryCount);
    }

    [Fact]
    public async Task ReceiveMessageAsync_ReceiveAndDeleteMode_RemovesTheMessageWithoutALock()
    {
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        await sender.SendMessageAsync(new ServiceBusMessage("fire and forget") { MessageId = "deleted" });

        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        Assert.Equal("deleted", received.MessageId);
        Assert.Equal(0, queue.ActiveCount);
        Assert.Equal("deleted", Assert.Single(queue.Completed).MessageId);
    }
}
