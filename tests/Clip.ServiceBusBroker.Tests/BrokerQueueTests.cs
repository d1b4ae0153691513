namespace Clip.ServiceBusBroker.Tests;

[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class BrokerQueueTests(ServiceBusBrokerFixture fixture)
{
    [Fact]
    public async Task WaitUntilAsync_ConditionNeverHolds_ThrowsTimeoutDescribingTheQueue()
    {
        var queue = fixture.CreateQueue();

        var exception = await Assert.ThrowsAsync<TimeoutException>(() => queue.WaitUntilAsync(q => q.CompletedCount == 1, TimeSpan.FromMilliseconds(100)));

        Assert.Contains(queue.Name, exception.Message, StringComparison.Ordinal);
        Assert.Contains("0 available, 0 locked, 0 completed, 0 dead-lettered", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateQueue_ExistingName_Throws()
    {
        var queue = fixture.CreateQueue();

        Assert.Throws<InvalidOperationException>(() => fixture.Broker.CreateQueue(queue.Name));
        Assert.Same(queue, fixture.Broker.GetQueue(queue.Name));
        Assert.Same(queue.DeadLetterQueue, fixture.Broker.GetQueue(queue.Name + "/$DeadLetterQueue"));
    }
}
