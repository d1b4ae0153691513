using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Retries a database call with exponential backoff (<see cref="PipelineOptions.WriteMaxAttempts"/> attempts, the
/// first delay <see cref="PipelineOptions.WriteRetryDelay"/>, doubled each time), so a short outage costs a delay
/// rather than a redelivery, and a long one gives the message back only after the backoff.
/// </summary>
internal sealed class DatabaseRetry(PipelineOptions options, ILogger logger)
{
    /// <summary>Runs <paramref name="call"/> until it succeeds or the attempts run out.</summary>
    /// <returns>True with the result, or false once every attempt failed (the last failure is logged).</returns>
    public async Task<(bool Succeeded, T? Result)> RunAsync<T>(string what, Func<CancellationToken, Task<T>> call, CancellationToken ct)
    {
        var delay = options.WriteRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (true, await call(ct));
            }
#pragma warning disable CA1031 // Whatever the database throws is retried, then reported as a failure; nothing is settled on it.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                if (attempt >= options.WriteMaxAttempts)
                {
                    Log.DatabaseGivenUp(logger, e, what, attempt);
                    return (false, default);
                }

                Log.DatabaseRetrying(logger, what, attempt, options.WriteMaxAttempts, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }
}
