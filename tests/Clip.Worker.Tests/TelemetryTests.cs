using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Clip.Ingestion.Messages;
using Clip.TestUtilities;
using Clip.Worker.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>What an operator's dashboard would see: the worker's metrics, by outcome and stage.</summary>
[Collection(CloudFixture.Collection)]
public sealed class TelemetryTests(CloudFixture cloud) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_LabellingAndDeadLettering_RecordsImagesBatchesStagesAndSettlementsByOutcome()
    {
        // Other tests' workers run in parallel and publish to meters of the same names: keep the meter to tell them apart.
        var all = new ConcurrentBag<(Meter Meter, string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name is WorkerTelemetry.Name or IngestionTelemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => all.Add((i.Meter, i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => all.Add((i.Meter, i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => all.Add((i.Meter, i.Name, v, ToDictionary(tags))));
        listener.Start();

        await using var scope = await cloud.CreateScopeAsync(_temp);
        await scope.UploadAndSendAsync("star.png", File.ReadAllBytes(TestPaths.Data("samples", "red-star.png")));
        await scope.UploadAndSendAsync("junk.png", [1, 2, 3, 4]);
        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        var meters = worker.App.Services.GetRequiredService<IMeterFactory>();
        var measurements = () => all.Where(m => ReferenceEquals(m.Meter.Scope, meters)).Select(m => (m.Instrument, m.Value, m.Tags)).ToList();
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == 1 && q.DeadLetters.Count == 1, TimeSpan.FromSeconds(60));
        // The broker sees a settlement before the client's call returns and counts it.
        await WorkerRun.WaitUntilAsync(
            () => Task.FromResult(Count("clip.messages.settled", "outcome", "dead_lettered") == 1 && Count("clip.messages.settled", "outcome", "completed") == 1),
            "both settlements are counted");

        Assert.Equal(1, Count("clip.images.processed", "outcome", "labelled") + Count("clip.images.processed", "outcome", "abstained"));
        Assert.Equal(1, Count("clip.images.failed", "reason", "unknown_format"));
        Assert.Contains(measurements(), m => m.Instrument == "clip.batch.size" && m.Value == 1);
        foreach (var stage in new[] { "fetch", "decode", "encode", "write" })
        {
            Assert.Contains(measurements(), m => m.Instrument == "clip.stage.duration" && (string?)m.Tags["stage"] == stage && m.Value >= 0);
        }

        Assert.Contains(measurements(), m => m.Instrument == "clip.queue.wait");

        double Count(string instrument, string tag, string value) =>
            measurements().Where(m => m.Instrument == instrument && m.Tags.TryGetValue(tag, out var v) && (string?)v == value).Sum(m => m.Value);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        return dictionary;
    }
}
