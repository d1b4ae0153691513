namespace Clip.Inference.Imaging;

/// <summary>
/// Bytes of decoded pixels that may be alive at once across every image being prepared. A decode first takes its
/// <see cref="ImagePreprocessor.DecodeCost"/> from the budget, waiting in arrival order while it does not fit, and gives
/// it back when done. Thread-safe.
/// </summary>
public sealed class DecodeMemoryBudget
{
    private readonly object _gate = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _available;

    public DecodeMemoryBudget(long totalBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBytes, 1);
        Total = totalBytes;
        _available = totalBytes;
    }

    public long Total { get; }

    /// <summary>Bytes not taken right now.</summary>
    public long Available
    {
        get
        {
            lock (_gate)
            {
                return _available;
            }
        }
    }

    /// <summary>Waits until <paramref name="bytes"/> fit, then holds them until the returned lease is disposed.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bytes"/> is more than <see cref="Total"/>: it could never fit.</exception>
    public async ValueTask<IDisposable> AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, Total);
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_gate)
        {
            // First come, first served: a large image is not starved by a stream of small ones.
            if (_waiters.Count == 0 && bytes <= _available)
            {
                _available -= bytes;
                return new Lease(this, bytes);
            }

            waiter = new Waiter(bytes);
            node = _waiters.AddLast(waiter);
        }

        await using (cancellationToken.Register(() => Cancel(node)))
        {
            await waiter.Granted.Task.ConfigureAwait(false);
        }

        return new Lease(this, bytes);
    }

    private void Cancel(LinkedListNode<Waiter> node)
    {
        lock (_gate)
        {
            if (node.List is null)
            {
                return; // already granted
            }

            _waiters.Remove(node);
        }

        node.Value.Granted.TrySetCanceled();
        Grant();
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _available += bytes;
        }

        Grant();
    }

    private void Grant()
    {
        var granted = new List<Waiter>();
        lock (_gate)
        {
            while (_waiters.First is { } first && first.Value.Bytes <= _available)
            {
                _available -= first.Value.Bytes;
                _waiters.RemoveFirst();
                granted.Add(first.Value);
            }
        }

        foreach (var waiter in granted)
        {
            waiter.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Lease(DecodeMemoryBudget budget, long bytes) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                budget.Release(bytes);
            }
        }
    }
}
