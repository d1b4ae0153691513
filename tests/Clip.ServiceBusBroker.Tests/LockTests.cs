using Azure.Messaging.ServiceBus;

namespace Clip.ServiceBusBroker.Tests;

[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class LockTests(ServiceBusBrokerFixture fixture)
{
    private static readonly TimeSpan ShortLock = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RenewMessageLockAsync_HeldLock_ExtendsLockedUntil()
    {
        var queue = fixture.CreateQueue(lockDuration: TimeSpan.FromSeconds(2));
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("long job"));
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);
        var firstLockedUntil = received.LockedUntil;

        // Renewal counts from now, so let some time pass for the new expiry to be later.
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        await receiver.RenewMessageLockAsync(received);

        Assert.True(received.LockedUntil >= firstLockedUntil + TimeSpan.FromMilliseconds(250), $"{received.LockedUntil:O} is not later than {firstLockedUntil:O}.");
        await receiver.CompleteMessageAsync(received);
        Assert.Equal(1, queue.CompletedCount);
    }

    [Fact]
    public async Task LockExpiry_UnsettledMessage_IsRedeliveredWithDeliveryCountPlusOne()
    {
        var queue = fixture.CreateQueue(lockDuration: ShortLock);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("forgotten") { MessageId = "expires" });
        var first = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        var second = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        Assert.Equal("expires", second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
        Assert.NotEqual(first.LockToken, second.LockToken);
        Assert.True(second.LockedUntil > first.LockedUntil);
    }

    [Fact]
    public async Task CompleteMessageAsync_ExpiredLock_ThrowsMessageLockLost()
    {
        var queue = fixture.CreateQueue(lockDuration: ShortLock);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("too slow"));
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await queue.WaitUntilAsync(q => q.LockedCount == 0, ServiceBusBrokerFixture.Patience);
        var exception = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(received));

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, exception.Reason);
        Assert.Equal(1, queue.ActiveCount);
        Assert.Equal(0, queue.CompletedCount);
    }

    [Fact]
    public async Task CompleteMessageAsync_LockOfAnEarlierDelivery_ThrowsMessageLockLostAndTheCurrentLockStillWorks()
    {
        var queue = fixture.CreateQueue(lockDuration: ShortLock);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("redelivered"));
        var stale = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);
        var current = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        var exception = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(stale));
        await receiver.CompleteMessageAsync(current);

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, exception.Reason);
        var completed = Assert.Single(queue.Completed);
        Assert.Equal(2, completed.DeliveryCount);
    }

    [Fact]
    public async Task RenewMessageLockAsync_ExpiredLock_ThrowsMessageLockLost()
    {
        var queue = fixture.CreateQueue(lockDuration: ShortLock);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("too late to renew"));
        var received = await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await queue.WaitUntilAsync(q => q.LockedCount == 0, ServiceBusBrokerFixture.Patience);
        var exception = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.RenewMessageLockAsync(received));

        Assert.Equal(ServiceBusFailureReason.MessageLockLost, exception.Reason);
    }

    [Fact]
    public async Task LockExpiry_AtMaxDeliveryCount_DeadLettersTheMessage()
    {
        var queue = fixture.CreateQueue(maxDeliveryCount: 1, lockDuration: ShortLock);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await using var receiver = fixture.Client.CreateReceiver(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("crashes the worker") { MessageId = "crasher" });
        await ServiceBusBrokerFixture.ReceiveOneAsync(receiver);

        await queue.WaitUntilAsync(q => q.DeadLetters.Count == 1, ServiceBusBrokerFixture.Patience);

        var deadLetter = Assert.Single(queue.DeadLetters);
        Assert.Equal("crasher", deadLetter.MessageId);
        Assert.Equal(BrokerQueue.MaxDeliveryCountExceeded, deadLetter.DeadLetterReason);
        Assert.Equal(0, queue.ActiveCount);
    }
}
