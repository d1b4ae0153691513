using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The waits between retries of a transient failure: <see cref="PipelineOptions.RetryDelay"/> doubled per attempt up
/// to <see cref="PipelineOptions.RetryMaxDelay"/>, each cut by a random amount of up to half so that the messages an
/// outage caught together do not retry together. A message's retries end at its hold deadline
/// (<see cref="PipelineOptions.RetryBudget"/> after it arrived).
/// </summary>
internal sealed class TransientRetry(PipelineOptions options, TimeProvider time, ILogger<TransientRetry> logger)
{
    public TimeProvider Time { get; } = time;

    /// <summary>When a message arriving now must be given back if it still cannot finish.</summary>
    public DateTimeOffset DeadlineFromNow() => Time.GetUtcNow() + options.RetryBudget;

    /// <summary>The wait before retry number <paramref name="retry"/> (1 for the first).</summary>
    public TimeSpan Delay(int retry)
    {
        var full = options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry - 1, 30));
        var capped = Math.Min(full, options.RetryMaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    /// <summary>Whether a retry after <paramref name="delay"/> would still start before <paramref name="deadline"/>.</summary>
    public bool Allows(TimeSpan delay, DateTimeOffset deadline) => Time.GetUtcNow() + delay < deadline;

    /// <summary>Waits out <paramref name="delay"/>.</summary>
    public Task WaitAsync(TimeSpan delay, CancellationToken ct) => Task.Delay(delay, Time, ct);

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, throws what <paramref name="isTransient"/> rejects (that
    /// propagates), or the wait before the next try would pass <paramref name="deadline"/>. Every transient failure
    /// counts against <paramref name="circuit"/>, and a success closes it.
    /// </summary>
    /// <returns>The value, or the last transient failure once the deadline stops the retries.</returns>
    public async Task<(bool Succeeded, T? Value, Exception? LastFailure)> RunAsync<T>(
        string what, DependencyCircuit? circuit, DateTimeOffset deadline, Func<CancellationToken, Task<T>> call, Func<Exception, bool> isTransient, CancellationToken ct)
    {
        for (var retry = 1; ; retry++)
        {
            try
            {
                var value = await call(ct);
                circuit?.Succeeded();
                return (true, value, null);
            }
#pragma warning disable CA1031 // Only what the caller calls transient is caught; it is retried, then handed back.
            catch (Exception e) when (e is not OperationCanceledException && isTransient(e))
#pragma warning restore CA1031
            {
                circuit?.Failed(e.Message);
                var delay = Delay(retry);
                if (!Allows(delay, deadline))
                {
                    Log.RetriesExhausted(logger, what, retry, 1, e.Message);
                    return (false, default, e);
                }

                Log.Retrying(logger, what, retry, delay.TotalMilliseconds, e.Message);
                await WaitAsync(delay, ct);
            }
        }
    }
}
