using Microsoft.Extensions.Hosting;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Runs the pipeline's stages for the host's lifetime. Registered before the message source, so at shutdown the source
/// stops receiving first and the pipeline then drains what it holds, within the host's shutdown timeout.
/// </summary>
internal sealed class PipelineService(LabelingPipeline pipeline) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        pipeline.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => pipeline.DrainAsync(cancellationToken);
}
