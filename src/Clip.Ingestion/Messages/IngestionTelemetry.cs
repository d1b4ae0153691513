using System.Diagnostics.Metrics;

namespace Clip.Ingestion.Messages;

/// <summary>Ingestion's metrics: one <see cref="Meter"/> named <see cref="Name"/>.</summary>
public sealed class IngestionTelemetry
{
    public const string Name = "Clip.Ingestion";

    private readonly Counter<long> _settled;

    public IngestionTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(Name);
        _settled = meter.CreateCounter<long>(
            "clip.messages.settled", "{message}", "Messages settled, by source and outcome (completed, abandoned, dead_lettered, lock_lost, settle_failed)");
    }

    public void Settled(string source, string outcome) =>
        _settled.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", outcome));
}
