using Clip.Labeling;
using Clip.Persistence;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Keeps the engine on the promoted head of its model and taxonomy: reads it at start, then polls every
/// <see cref="PipelineOptions.HeadPollInterval"/> and swaps a newly promoted (or rolled back) head in between
/// batches. A head that cannot be used (damaged, trained for other classes) is logged once and the current
/// classifier stays.
/// </summary>
internal sealed class PromotedHeadWatcher(LabelingEngine engine, ILabelStore store, PipelineOptions options, TimeProvider time, ILogger<PromotedHeadWatcher> logger)
    : BackgroundService
{
    private string? _refused;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.HeadPollInterval > TimeSpan.Zero)
        {
            await RefreshAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.HeadPollInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.HeadPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RefreshAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Swaps in the promoted head if it changed.</summary>
    internal async Task RefreshAsync(CancellationToken ct)
    {
        HeadSummary? promoted;
        try
        {
            promoted = await store.GetPromotedHeadAsync(engine.ModelId, engine.TaxonomyVersion, ct);
        }
#pragma warning disable CA1031 // The database being unreachable must not stop the worker; the next poll tries again.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.HeadPollFailed(logger, e.Message);
            return;
        }

        if (promoted?.Version == engine.HeadVersion || (promoted is not null && promoted.Version == _refused))
        {
            return;
        }

        if (promoted is null)
        {
            Log.HeadSwapped(logger, engine.HeadVersion ?? "zero-shot", "zero-shot", 0);
            engine.UseHead(null, 0f);
            return;
        }

        try
        {
            var previous = engine.HeadVersion ?? "zero-shot";
            await engine.UseHeadAsync(new HeadChoice(HeadChoiceKind.Version, promoted.Version), store, ct);
            Log.HeadSwapped(logger, previous, promoted.Version, engine.State.Classifier.HeadWeight);
        }
        catch (UnknownHeadException)
        {
            return; // Deleted between the two reads; the next poll sees what replaced it.
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            _refused = promoted.Version;
            Log.HeadRefused(logger, e, promoted.Version);
        }
#pragma warning disable CA1031 // As above: a failed read is retried at the next poll.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            Log.HeadPollFailed(logger, e.Message);
        }
    }
}
