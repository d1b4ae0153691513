using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Clip.ServiceBusBroker.Tests;

/// <summary>The worker's way of consuming: a processor that settles explicitly and renews locks while a job runs.</summary>
[Collection(ServiceBusBrokerDefinition.Name)]
public sealed class ProcessorTests(ServiceBusBrokerFixture fixture)
{
    [Fact]
    public async Task Processor_ConcurrentHandlersCompleting_ProcessesEveryMessageOnce()
    {
        const int MessageCount = 20;
        var queue = fixture.CreateQueue();
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await sender.SendMessagesAsync(Enumerable.Range(0, MessageCount).Select(i => new ServiceBusMessage($"job {i}") { MessageId = $"job-{i}" }));
        var errors = new ConcurrentQueue<Exception>();
        var handled = new ConcurrentQueue<string>();
        var concurrent = 0;
        var maxConcurrent = 0;
        await using var processor = fixture.Client.CreateProcessor(queue.Name, new ServiceBusProcessorOptions
        {
            AutoCompleteMessages = false,
            MaxConcurrentCalls = 4,
            MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(1),
        });
        processor.ProcessMessageAsync += async args =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            await Task.Delay(TimeSpan.FromMilliseconds(50), args.CancellationToken);
            Interlocked.Decrement(ref concurrent);
            handled.Enqueue(args.Message.MessageId);
            await args.CompleteMessageAsync(args.Message, args.CancellationToken);
        };
        processor.ProcessErrorAsync += args =>
        {
            errors.Enqueue(args.Exception);
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync();
        await queue.WaitUntilAsync(q => q.CompletedCount == MessageCount, ServiceBusBrokerFixture.Patience);
        await processor.StopProcessingAsync();

        Assert.Empty(errors);
        Assert.Equal(Enumerable.Range(0, MessageCount).Select(i => $"job-{i}").Order(), handled.Order());
        Assert.All(queue.Completed, message => Assert.Equal(1, message.DeliveryCount));
        Assert.Equal(0, queue.ActiveCount);
        Assert.True(maxConcurrent > 1, $"At most {maxConcurrent} handler ran at a time.");
    }

    [Fact]
    public async Task Processor_HandlerHoldsMessageLongerThanTheLock_AutoRenewalKeepsItAndCompleteSucceeds()
    {
        var lockDuration = TimeSpan.FromSeconds(2);
        var queue = fixture.CreateQueue(lockDuration: lockDuration);
        await using var sender = fixture.Client.CreateSender(queue.Name);
        await sender.SendMessageAsync(new ServiceBusMessage("slow job") { MessageId = "slow" });
        var errors = new ConcurrentQueue<Exception>();
        var firstLockedUntil = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var processor = fixture.Client.CreateProcessor(queue.Name, new ServiceBusProcessorOptions
        {
            AutoCompleteMessages = false,
            MaxConcurrentCalls = 2,
            MaxAutoLockRenewalDuration = TimeSpan.FromMinutes(1),
        });
        processor.ProcessMessageAsync += async args =>
        {
            firstLockedUntil.TrySetResult(args.Message.LockedUntil);
            // The job outlives two lock durations; only renewal keeps the lock.
            await Task.Delay(lockDuration * 2.5, args.CancellationToken);
            await args.CompleteMessageAsync(args.Message, args.CancellationToken);
        };
        processor.ProcessErrorAsync += args =>
        {
            errors.Enqueue(args.Exception);
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync();
        await queue.WaitUntilAsync(q => q.CompletedCount == 1, ServiceBusBrokerFixture.Patience);
        await processor.StopProcessingAsync();

        Assert.Empty(errors);
        var completed = Assert.Single(queue.Completed);
        Assert.Equal("slow", completed.MessageId);
        Assert.Equal(1, completed.DeliveryCount);
        Assert.True(DateTimeOffset.UtcNow > await firstLockedUntil.Task, "The handler finished before the first lock would have expired.");
        Assert.Empty(queue.DeadLetters);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
