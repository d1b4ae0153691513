using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading.Channels;

namespace Clip.ServiceBusBroker;

/// <summary>
/// A queue with peek-lock semantics: delivered messages are locked until settled or until the lock expires, and a
/// message delivered <see cref="MaxDeliveryCount"/> times without being settled goes to the dead-letter queue.
/// The inspection members are thread-safe snapshots for assertions.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a Service Bus queue, not a collection.")]
public sealed class BrokerQueue
{
    /// <summary>The reason Service Bus gives a message dead-lettered after too many deliveries.</summary>
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";

    private readonly Lock _gate = new();
    private readonly PriorityQueue<StoredMessage, long> _available = new();
    private readonly Dictionary<Guid, MessageLock> _locks = [];
    private readonly List<BrokerMessage> _completed = [];
    private readonly List<IQueueConsumer> _consumers = [];
    private readonly BrokerQueue? _deadLetterQueue;
    private readonly TimeProvider _clock;
    private readonly StateChangeSignal _changes;
    private readonly Channel<bool> _dispatchRequests = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly Task _dispatchLoop;
    private long _lastSequenceNumber;
    private int _nextConsumer;

    internal BrokerQueue(string name, int maxDeliveryCount, TimeSpan lockDuration, BrokerQueue? deadLetterQueue, TimeProvider clock, StateChangeSignal changes)
    {
        Name = name;
        MaxDeliveryCount = maxDeliveryCount;
        LockDuration = lockDuration;
        _deadLetterQueue = deadLetterQueue;
        _clock = clock;
        _changes = changes;
        _dispatchLoop = Task.Run(DispatchLoopAsync);
    }

    /// <summary>The entity path, e.g. <c>jobs</c> or <c>jobs/$DeadLetterQueue</c>.</summary>
    public string Name { get; }

    public int MaxDeliveryCount { get; }

    public TimeSpan LockDuration { get; }

    /// <summary>The dead-letter sub-queue; null for a dead-letter queue itself.</summary>
    public BrokerQueue? DeadLetterQueue => _deadLetterQueue;

    /// <summary>Messages not yet settled: available plus locked.</summary>
    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _available.Count + _locks.Count;
            }
        }
    }

    public int LockedCount
    {
        get
        {
            lock (_gate)
            {
                return _locks.Count;
            }
        }
    }

    public long CompletedCount
    {
        get
        {
            lock (_gate)
            {
                return _completed.Count;
            }
        }
    }

    /// <summary>Completed messages in completion order, with the delivery count they were completed at.</summary>
    public IReadOnlyList<BrokerMessage> Completed
    {
        get
        {
            lock (_gate)
            {
                return [.. _completed];
            }
        }
    }

    /// <summary>Messages now in the dead-letter sub-queue, by sequence number.</summary>
    public IReadOnlyList<BrokerMessage> DeadLetters => _deadLetterQueue?.ActiveMessages ?? [];

    /// <summary>Messages not yet settled, by sequence number.</summary>
    public IReadOnlyList<BrokerMessage> ActiveMessages
    {
        get
        {
            lock (_gate)
            {
                return _available.UnorderedItems.Select(item => item.Element)
                    .Concat(_locks.Values.Select(held => held.Message))
                    .OrderBy(message => message.SequenceNumber)
                    .Select(message => message.ToSnapshot())
                    .ToList();
            }
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds for this queue; it is re-checked on every broker change.</summary>
    /// <exception cref="TimeoutException">The condition did not hold within <paramref name="timeout"/>; the message describes the queue.</exception>
    public async Task WaitUntilAsync(Func<BrokerQueue, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = _clock.GetUtcNow() + timeout;
        while (true)
        {
            var change = _changes.NextChange;
            if (condition(this))
            {
                return;
            }

            var remaining = deadline - _clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Queue '{Name}' did not reach the expected state within {timeout}: {this}.");
            }

            try
            {
                await change.WaitAsync(remaining, _clock, cancellationToken);
            }
            catch (TimeoutException)
            {
                // The loop checks the condition once more before giving up.
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{_available.Count} available, {_locks.Count} locked, {_completed.Count} completed, {_deadLetterQueue?.ActiveCount ?? 0} dead-lettered");
        }
    }

    /// <summary>Ends the dispatch loop; called when the broker is disposed.</summary>
    internal async Task StopAsync()
    {
        _dispatchRequests.Writer.TryComplete();
        await _dispatchLoop;
    }

    internal void Enqueue(Amqp.MessageContent content)
    {
        lock (_gate)
        {
            var message = new StoredMessage(content, ++_lastSequenceNumber, _clock.GetUtcNow());
            _available.Enqueue(message, message.SequenceNumber);
        }

        OnChanged();
    }

    /// <summary>Takes a message dead-lettered from the parent queue; it keeps its sequence number and delivery count.</summary>
    internal void AcceptDeadLetter(StoredMessage message, string? reason, string? description)
    {
        var deadLetter = new StoredMessage(message.Content.WithDeadLetterReason(reason, description), message.SequenceNumber, message.EnqueuedTime)
        {
            DeliveryCount = message.DeliveryCount,
        };
        lock (_gate)
        {
            _available.Enqueue(deadLetter, deadLetter.SequenceNumber);
        }

        OnChanged();
    }

    internal void AddConsumer(IQueueConsumer consumer)
    {
        lock (_gate)
        {
            _consumers.Add(consumer);
        }

        RequestDispatch();
    }

    /// <summary>Stops delivering to a detached receiver; messages it holds stay locked until settled elsewhere or expired.</summary>
    internal void RemoveConsumer(IQueueConsumer consumer)
    {
        lock (_gate)
        {
            _consumers.Remove(consumer);
        }
    }

    /// <summary>A receiver granted credit: deliver what is available.</summary>
    internal void RequestDispatch() => _dispatchRequests.Writer.TryWrite(true);

    /// <returns>False when the lock is no longer held.</returns>
    internal bool Complete(Guid lockToken)
    {
        lock (_gate)
        {
            if (!TryTakeLock(lockToken, out var message))
            {
                return false;
            }

            _completed.Add(message.ToSnapshot());
        }

        OnChanged();
        return true;
    }

    /// <returns>False when the lock is no longer held.</returns>
    internal bool Abandon(Guid lockToken)
    {
        lock (_gate)
        {
            if (!TryTakeLock(lockToken, out var message))
            {
                return false;
            }

            ReturnOrDeadLetter(message);
        }

        OnChanged();
        return true;
    }

    /// <summary>
    /// Unlocks a message the receiver never handed to its application (AMQP <c>released</c>, the SDK's answer to a
    /// cancelled receive): the delivery does not count, as Service Bus treats it as an unlock only.
    /// </summary>
    /// <returns>False when the lock is no longer held.</returns>
    internal bool Release(Guid lockToken)
    {
        lock (_gate)
        {
            if (!TryTakeLock(lockToken, out var message))
            {
                return false;
            }

            message.DeliveryCount--;
            _available.Enqueue(message, message.SequenceNumber);
        }

        OnChanged();
        return true;
    }

    /// <returns>False when the lock is no longer held.</returns>
    internal bool DeadLetter(Guid lockToken, string? reason, string? description)
    {
        if (_deadLetterQueue is null)
        {
            throw new InvalidOperationException($"'{Name}' is a dead-letter queue; its messages cannot be dead-lettered again.");
        }

        lock (_gate)
        {
            if (!TryTakeLock(lockToken, out var message))
            {
                return false;
            }

            _deadLetterQueue.AcceptDeadLetter(message, reason, description);
        }

        OnChanged();
        return true;
    }

    /// <returns>The new lock expiry, or null when the lock is no longer held.</returns>
    internal DateTimeOffset? RenewLock(Guid lockToken)
    {
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            if (!_locks.TryGetValue(lockToken, out var held) || held.LockedUntil <= now)
            {
                return null;
            }

            var lockedUntil = now + LockDuration;
            _locks[lockToken] = held with { LockedUntil = lockedUntil };
            return lockedUntil;
        }
    }

    /// <summary>Releases expired locks: each message becomes available again, or is dead-lettered at the max delivery count.</summary>
    internal void ExpireLocks()
    {
        var expiredAny = false;
        lock (_gate)
        {
            var now = _clock.GetUtcNow();
            foreach (var (lockToken, held) in _locks.Where(entry => entry.Value.LockedUntil <= now).ToList())
            {
                _locks.Remove(lockToken);
                ReturnOrDeadLetter(held.Message);
                expiredAny = true;
            }
        }

        if (expiredAny)
        {
            OnChanged();
        }
    }

    private bool TryTakeLock(Guid lockToken, out StoredMessage message)
    {
        if (!_locks.Remove(lockToken, out var held))
        {
            message = null!;
            return false;
        }

        message = held.Message;
        if (held.LockedUntil > _clock.GetUtcNow())
        {
            return true;
        }

        // Expired but not yet swept: the settlement is too late.
        ReturnOrDeadLetter(message);
        return false;
    }

    private void ReturnOrDeadLetter(StoredMessage message)
    {
        if (_deadLetterQueue is not null && message.DeliveryCount >= MaxDeliveryCount)
        {
            _deadLetterQueue.AcceptDeadLetter(
                message,
                MaxDeliveryCountExceeded,
                string.Create(CultureInfo.InvariantCulture, $"Message could not be consumed after {MaxDeliveryCount} delivery attempts."));
            return;
        }

        _available.Enqueue(message, message.SequenceNumber);
    }

    private void OnChanged()
    {
        _changes.Notify();
        RequestDispatch();
    }

    private async Task DispatchLoopAsync()
    {
        await foreach (var _ in _dispatchRequests.Reader.ReadAllAsync())
        {
            while (TryDeliverNext())
            {
            }
        }
    }

    // Called only from the dispatch loop, so a receiver's credit is not spent twice.
    private bool TryDeliverNext()
    {
        IQueueConsumer consumer;
        StoredMessage message;
        var lockToken = Guid.NewGuid();
        DateTimeOffset lockedUntil;
        int previousDeliveries;
        BrokerMessage? deletedOnSend = null;
        lock (_gate)
        {
            var next = _available.Count == 0 ? null : NextConsumerWithCredit();
            if (next is null)
            {
                return false;
            }

            consumer = next;
            message = _available.Dequeue();
            previousDeliveries = message.DeliveryCount++;
            lockedUntil = _clock.GetUtcNow() + LockDuration;
            if (consumer.SettlesOnSend)
            {
                // Recorded before the send: the receiver may look at the queue as soon as the message arrives.
                deletedOnSend = message.ToSnapshot();
                _completed.Add(deletedOnSend);
            }
            else
            {
                _locks.Add(lockToken, new MessageLock(message, lockedUntil));
            }
        }

        var delivered = consumer.TryDeliver(message, lockToken, lockedUntil, previousDeliveries);
        lock (_gate)
        {
            if (!delivered)
            {
                // The receiver spent its credit or detached since the check: the message goes back untouched.
                _locks.Remove(lockToken);
                if (deletedOnSend is not null)
                {
                    _completed.Remove(deletedOnSend);
                }

                message.DeliveryCount--;
                _available.Enqueue(message, message.SequenceNumber);
            }
        }

        if (delivered)
        {
            _changes.Notify();
        }

        // After a failed delivery, wait for the next credit rather than spin on a receiver that cannot take it.
        return delivered;
    }

    private IQueueConsumer? NextConsumerWithCredit()
    {
        for (var i = 0; i < _consumers.Count; i++)
        {
            var candidate = _consumers[(_nextConsumer + i) % _consumers.Count];
            if (candidate.HasCredit)
            {
                _nextConsumer = (_nextConsumer + i + 1) % _consumers.Count;
                return candidate;
            }
        }

        return null;
    }

    private sealed record MessageLock(StoredMessage Message, DateTimeOffset LockedUntil);
}
