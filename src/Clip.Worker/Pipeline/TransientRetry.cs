namespace Clip.Worker.Pipeline;

/// <summary>
/// The waits between retries of a transient failure: <see cref="PipelineOptions.RetryDelay"/> doubled per attempt up
/// to <see cref="PipelineOptions.RetryMaxDelay"/>, each cut by a random amount of up to half so that the messages an
/// outage caught together do not retry together. A message's retries end at its hold deadline
/// (<see cref="PipelineOptions.RetryBudget"/> after it arrived).
/// </summary>
internal sealed class TransientRetry(PipelineOptions options, TimeProvider time)
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
}
