using System.Diagnostics;
using System.Threading.Channels;
using Clip.Persistence;
using Clip.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The last stage: commits outcomes in transactions of up to <see cref="MaxOutcomesPerTransaction"/>, retrying
/// with backoff, and ends each job once its outcome is committed (or could not be, by its message's deadline).
/// </summary>
internal sealed class WriteStage(ILabelStore store, TransientRetry retry, DependencyHealth health, JobSettler settler, WorkerTelemetry telemetry, ILogger logger)
{
    private const int MaxOutcomesPerTransaction = 1024;

    public async Task RunAsync(ChannelReader<PendingWrite> writes, CancellationToken ct)
    {
        var pending = new List<PendingWrite>();
        while (await writes.WaitToReadAsync(ct))
        {
            while (pending.Count < MaxOutcomesPerTransaction && writes.TryRead(out var write))
            {
                pending.Add(write);
            }

            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.write");
            activity?.SetTag("clip.outcomes", pending.Count);
            await CommitAsync(pending, ct);
            pending.Clear();
        }
    }

    /// <summary>
    /// Writes the outcomes in one transaction, retrying with backoff. A message whose deadline comes before the next
    /// retry is given back (dead-lettered on its last delivery) and its outcome dropped from the batch; every write
    /// ends finished one way or the other.
    /// </summary>
    private async Task CommitAsync(List<PendingWrite> pending, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.WriteBatchAsync(pending.ConvertAll(p => p.Outcome), ct);
            }
#pragma warning disable CA1031 // Whatever the database throws is retried, then given back; nothing is settled on it.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                health.Database.Failed(e.Message);
                var delay = retry.Delay(attempt);
                var expired = pending.Where(p => !retry.Allows(delay, p.Owner.Deadline)).ToHashSet();
                if (expired.Count > 0)
                {
                    Log.RetriesExhausted(logger, $"Writing {pending.Count} outcomes", attempt, expired.Count, e.Message);
                    foreach (var write in expired)
                    {
                        settler.Unwritten(write.Owner, "the results could not be committed: " + e.Message);
                    }

                    pending.RemoveAll(expired.Contains);
                    if (pending.Count == 0)
                    {
                        return;
                    }
                }

                Log.Retrying(logger, $"Writing {pending.Count} outcomes", attempt, delay.TotalMilliseconds, e.Message);
                await retry.WaitAsync(delay, ct);
                continue;
            }

            health.Database.Succeeded();
            telemetry.Written(Stopwatch.GetElapsedTime(started));
            foreach (var write in pending)
            {
                settler.Committed(write);
            }

            return;
        }
    }
}
