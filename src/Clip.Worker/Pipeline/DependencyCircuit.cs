using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Whether a dependency (storage, the database) is known to be down: open after <see cref="FailuresToOpen"/>
/// transient failures in a row, closed again by the first success, each change logged. Thread-safe; fed by every
/// call the pipeline makes.
/// </summary>
internal sealed class DependencyCircuit(string name, TimeProvider time, ILogger logger)
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

    /// <summary>Records a transient failure, opening the circuit at the <see cref="FailuresToOpen"/>th in a row.</summary>
    public void Failed(string reason)
    {
        lock (_gate)
        {
            _consecutiveFailures++;
            if (_openSince is not null || _consecutiveFailures < FailuresToOpen)
            {
                return;
            }

            _openSince = time.GetUtcNow();
        }

        Log.CircuitOpened(logger, Name, FailuresToOpen, reason);
    }

    /// <summary>Records a success, closing the circuit if it was open.</summary>
    public void Succeeded()
    {
        TimeSpan downFor;
        lock (_gate)
        {
            _consecutiveFailures = 0;
            if (_openSince is not { } since)
            {
                return;
            }

            _openSince = null;
            downFor = time.GetUtcNow() - since;
        }

        Log.CircuitClosed(logger, Name, downFor.TotalSeconds);
    }
}
