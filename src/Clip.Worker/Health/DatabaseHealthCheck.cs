using Clip.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clip.Worker.Health;

/// <summary>Ready only while the results database answers: without it nothing can be committed or settled.</summary>
internal sealed class DatabaseHealthCheck(ILabelStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy("database reachable");
        }
#pragma warning disable CA1031 // Any failure to reach the database makes the worker unready; the message names the exception type only.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy($"database unreachable ({e.GetType().Name})");
        }
    }
}
