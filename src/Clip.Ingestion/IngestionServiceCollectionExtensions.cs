using Clip.Ingestion.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.Folders;
using Clip.Ingestion.Messages;
using Clip.Ingestion.ServiceBus;
using Clip.Ingestion.Sources;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Clip.Ingestion;

public static class IngestionServiceCollectionExtensions
{
    /// <summary>
    /// Registers event parsing (<c>Clip:Events</c>), the blob source allow-list (<c>Clip:Sources</c>), blob fetching
    /// (<c>Clip:Storage</c>) and one message
    /// source as a hosted service: the Service Bus queue of <c>Clip:ServiceBus</c> when it names a namespace or
    /// connection string, else the watched folder of <c>Clip:Folder</c>. Options are validated at start. Register the
    /// <see cref="IMessageHandler"/> and whatever it needs to finish in-flight work before calling this, so the source
    /// is stopped first at shutdown.
    /// </summary>
    public static IServiceCollection AddClipIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EventParserOptions>()
            .Bind(configuration.GetSection(EventParserOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<BlobSourceOptions>()
            .Bind(configuration.GetSection(BlobSourceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BlobSourceOptions>, BlobSourceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new BlobCreatedEventParser(sp.GetRequiredService<IOptions<EventParserOptions>>().Value));
        services.TryAddSingleton(sp => new BlobSourcePolicy(sp.GetRequiredService<IOptions<BlobSourceOptions>>().Value));

        services.AddClipBlobFetching(configuration);
        services.AddMetrics();
        services.TryAddSingleton<IngestionTelemetry>();

        var serviceBus = configuration.GetSection(ServiceBusSourceOptions.SectionName);
        if (serviceBus.Get<ServiceBusSourceOptions>() is { IsConfigured: true })
        {
            services.AddOptions<ServiceBusSourceOptions>()
                .Bind(serviceBus)
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddOptions<BlobSourceOptions>().Validate(
                sources => sources.AllowedContainers.Count > 0,
                $"{BlobSourceOptions.SectionName}:{nameof(BlobSourceOptions.AllowedContainers)} lists no container, so every event would be refused; allow at least one when {ServiceBusSourceOptions.SectionName} is configured.");
            AddSource<ServiceBusMessageSource>(services);
        }
        else
        {
            services.AddOptions<FolderSourceOptions>()
                .Bind(configuration.GetSection(FolderSourceOptions.SectionName))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            AddSource<FolderMessageSource>(services);
        }

        return services;
    }

    private static void AddSource<TSource>(IServiceCollection services)
        where TSource : class, IMessageSource, IHostedService
    {
        services.TryAddSingleton<TSource>();
        services.TryAddSingleton<IMessageSource>(sp => sp.GetRequiredService<TSource>());
        services.AddHostedService(sp => sp.GetRequiredService<TSource>());
    }
}
