using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Clip.Persistence;

public static class PersistenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="ILabelStore"/> (a singleton over a pooled data source) with its options bound from
    /// <c>Clip:Database</c> and validated at start, and a hosted service that migrates on start when asked to. With
    /// <c>Clip:Database:Authentication=entra</c> the store signs in with a registered <see cref="TokenCredential"/>, or
    /// <c>DefaultAzureCredential</c> when none is.
    /// </summary>
    public static IServiceCollection AddClipPersistence(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PersistenceOptions>()
            .Bind(configuration.GetSection(PersistenceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ILabelStore>(sp => new LabelStore(
            sp.GetRequiredService<IOptions<PersistenceOptions>>().Value,
            sp.GetService<ILogger<LabelStore>>() ?? NullLogger<LabelStore>.Instance,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<TokenCredential>()));
        services.TryAddSingleton(sp => new StartupMigration(
            sp.GetRequiredService<ILabelStore>(),
            sp.GetRequiredService<IOptions<PersistenceOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>(sp => new DatabaseMigrationService(
            sp.GetRequiredService<StartupMigration>())));
        return services;
    }
}
