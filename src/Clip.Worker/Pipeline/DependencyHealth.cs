using Clip.Ingestion.Messages;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The circuits of what every message needs, storage and the database. While either is open, sources take in one
/// message at a time (<see cref="IIntakeThrottle"/>): the messages already held keep retrying and find out when the
/// dependency is back, without new ones spending delivery attempts on the wait.
/// </summary>
internal sealed class DependencyHealth(TimeProvider time, ILogger<DependencyHealth> logger) : IIntakeThrottle
{
    public DependencyCircuit Storage { get; } = new("storage", time, logger);

    public DependencyCircuit Database { get; } = new("database", time, logger);

    public bool IsThrottled => Storage.IsOpen || Database.IsOpen;
}
