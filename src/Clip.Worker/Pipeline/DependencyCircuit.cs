namespace Clip.Worker.Pipeline;

/// <summary>
/// Whether a dependency (storage, the database) is known to be down: open after <see cref="FailuresToOpen"/>
/// transient failures in a row, closed again by the first success. Thread-safe; fed by every call the pipeline makes.
/// </summary>
internal sealed class DependencyCircuit(string name, TimeProvider time)
{
    public const int FailuresToOpen = 3;

    private readonly object _gate = new();
    private int _consecutiveFailures;
    private DateTimeOffset? _openSince;

    public string Name { get; } = name;

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _openSince is not null;
            }
        }
    }

    /// <summary>Records a transient failure; returns true when this one opened the circuit.</summary>
    public bool RecordFailure()
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            if (_openSince is not null || _consecutiveFailures < FailuresToOpen)
            {
                return false;
            }

            _openSince = time.GetUtcNow();
            return true;
        }
    }

    /// <summary>Records a success; returns how long the circuit had been open when this one closed it, else null.</summary>
    public TimeSpan? RecordSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
            if (_openSince is not { } since)
            {
                return null;
            }

            _openSince = null;
            return time.GetUtcNow() - since;
        }
    }
}
