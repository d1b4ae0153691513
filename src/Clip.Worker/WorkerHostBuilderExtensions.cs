using Clip.Inference;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Ingestion;
using Clip.Ingestion.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.Messages;
using Clip.Ingestion.ServiceBus;
using Clip.Ingestion.Sources;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Worker.Health;
using Clip.Worker.Pipeline;
using Clip.Worker.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace Clip.Worker;

public static class WorkerHostBuilderExtensions
{
    /// <summary>Liveness: the pipeline runs (model loaded, no stage failed).</summary>
    public const string LivePath = "/healthz/live";

    /// <summary>Readiness: live, and the database answers, and the message source is receiving.</summary>
    public const string ReadyPath = "/healthz/ready";

    /// <summary>
    /// Registers the whole worker: inference, persistence, the labeling pipeline (<c>Clip:Pipeline</c>), ingestion
    /// (whose message source feeds the pipeline), health checks and OpenTelemetry (exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).
    /// </summary>
    public static IHostApplicationBuilder AddClipWorker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var services = builder.Services;
        services.AddClipInference(configuration);
        services.AddClipPersistence(configuration);

        var serviceBus = configuration.GetSection(ServiceBusSourceOptions.SectionName).Get<ServiceBusSourceOptions>() ?? new ServiceBusSourceOptions();
        services.AddOptions<PipelineOptions>()
            .Bind(configuration.GetSection(PipelineOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(
                pipeline => !serviceBus.IsConfigured || pipeline.RetryBudget < serviceBus.MaxLockRenewalDuration,
                $"{PipelineOptions.SectionName}:{nameof(PipelineOptions.RetryBudget)} must be shorter than " +
                $"{ServiceBusSourceOptions.SectionName}:{nameof(ServiceBusSourceOptions.MaxLockRenewalDuration)}, or messages would lose their locks while the worker still retries them.")
            .ValidateOnStart();
        services.AddOptions<HostOptions>()
            .Configure<IOptions<PipelineOptions>>((host, pipeline) => host.ShutdownTimeout = pipeline.Value.ShutdownGracePeriod);
        services.AddMetrics();
        services.TryAddSingleton<WorkerTelemetry>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TransientRetry(
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TransientRetry>>()));
        services.TryAddSingleton<DependencyHealth>();
        services.TryAddSingleton(sp => new DecodeMemoryBudget(sp.GetRequiredService<IOptions<ImageLimits>>().Value.EffectiveDecodeMemoryBudget));
        services.TryAddSingleton<IIntakeThrottle>(sp => sp.GetRequiredService<DependencyHealth>());
        services.TryAddSingleton(LoadEngine);
        services.TryAddSingleton(sp => new ImageFetcher(
            sp.GetRequiredService<IOptions<ImageLimits>>().Value,
            sp.GetRequiredService<IOptions<BlobSourceOptions>>().Value,
            sp.GetRequiredService<BlobImageFetcher>()));
        services.TryAddSingleton(sp => new LabelingPipeline(
            sp.GetRequiredService<LabelingEngine>(),
            sp.GetRequiredService<ILabelStore>(),
            sp.GetRequiredService<ImageFetcher>(),
            sp.GetRequiredService<BlobCreatedEventParser>(),
            sp.GetRequiredService<BlobSourcePolicy>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<WorkerTelemetry>(),
            sp.GetRequiredService<TransientRetry>(),
            sp.GetRequiredService<DependencyHealth>(),
            sp.GetRequiredService<DecodeMemoryBudget>(),
            sp.GetRequiredService<ILogger<LabelingPipeline>>()));
        services.TryAddSingleton<IMessageHandler>(sp => sp.GetRequiredService<LabelingPipeline>());
        services.AddHostedService<PipelineService>();
        services.AddHostedService(sp => new TaxonomyFileWatcher(
            sp.GetRequiredService<LabelingEngine>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TaxonomyFileWatcher>>()));
        services.AddHostedService(sp => new PromotedHeadWatcher(
            sp.GetRequiredService<LabelingEngine>(),
            sp.GetRequiredService<ILabelStore>(),
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PromotedHeadWatcher>>()));

        // After the pipeline: hosted services stop in reverse order, so the source stops receiving before the pipeline drains.
        services.AddClipIngestion(configuration);

        services.AddHealthChecks()
            .AddCheck<PipelineHealthCheck>("pipeline", tags: ["live", "ready"])
            .AddCheck<DatabaseHealthCheck>("database", tags: ["ready"])
            .AddCheck<MessageSourceHealthCheck>("source", tags: ["ready"]);

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("clip-worker"))
            .WithMetrics(metrics => metrics.AddMeter(WorkerTelemetry.Name, IngestionTelemetry.Name))
            .WithTracing(tracing => tracing.AddSource(WorkerTelemetry.Name));
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Loads the labeling engine: the schema first (the shared class matrices live in it), then the class matrix from
    /// the cache folder, the results database, or the prompts. The host builds its services synchronously, so this
    /// blocks once, at start, before any message is taken.
    /// </summary>
    private static LabelingEngine LoadEngine(IServiceProvider services)
    {
        var store = services.GetRequiredService<ILabelStore>();
        var migration = services.GetRequiredService<StartupMigration>();
        return Task.Run(async () =>
        {
            await migration.EnsureMigratedAsync(CancellationToken.None);
            return await LabelingEngine.CreateAsync(
                services.GetRequiredService<ClipModel>(),
                services.GetRequiredService<IOptions<PipelineOptions>>().Value.Taxonomy,
                services.GetRequiredService<ClassMatrixCache>(),
                store);
        }).GetAwaiter().GetResult();
    }

    /// <summary>Maps <see cref="LivePath"/> and <see cref="ReadyPath"/>: 200 when healthy, 503 otherwise.</summary>
    public static WebApplication MapClipWorkerHealthChecks(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }
}
