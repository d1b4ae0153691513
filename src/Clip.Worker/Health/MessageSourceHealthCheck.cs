using Clip.Ingestion.Messages;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clip.Worker.Health;

/// <summary>Ready while the message source is receiving.</summary>
internal sealed class MessageSourceHealthCheck(IMessageSource source) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(source.IsReceiving
            ? HealthCheckResult.Healthy($"receiving from {source.Description}")
            : HealthCheckResult.Unhealthy($"not receiving from {source.Description}"));
}
