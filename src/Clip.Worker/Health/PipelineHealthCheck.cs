using Clip.Worker.Pipeline;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Clip.Worker.Health;

/// <summary>Live while the pipeline's stages run: the model is loaded (the pipeline cannot exist otherwise) and no stage has failed.</summary>
internal sealed class PipelineHealthCheck(LabelingPipeline pipeline) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(pipeline.IsRunning
            ? HealthCheckResult.Healthy("model loaded, stages running")
            : HealthCheckResult.Unhealthy("the pipeline's stages are not running"));
}
