using Clip.Ingestion.Messages;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The circuits of what every message needs, storage and the database. While either is open, sources take in one
/// message at a time (<see cref="IIntakeThrottle"/>): the messages already held keep retrying and find out when the
/// dependency is back, without new ones spending delivery attempts on the wait.
/// </summary>
internal sealed class DependencyHealth : IIntakeThrottle
{
    private readonly ILogger _logger;

    public DependencyHealth(TimeProvider time, ILogger<DependencyHealth> logger)
    {
        _logger = logger;
        Storage = new DependencyCircuit("storage", time);
        Database = new DependencyCircuit("database", time);
    }

    public DependencyCircuit Storage { get; }

    public DependencyCircuit Database { get; }

    public bool IsThrottled => Storage.IsOpen || Database.IsOpen;

    public void Failed(DependencyCircuit circuit, string reason)
    {
        if (circuit.RecordFailure())
        {
            Log.CircuitOpened(_logger, circuit.Name, DependencyCircuit.FailuresToOpen, reason);
        }
    }

    public void Succeeded(DependencyCircuit circuit)
    {
        if (circuit.RecordSuccess() is { } downFor)
        {
            Log.CircuitClosed(_logger, circuit.Name, downFor.TotalSeconds);
        }
    }
}
