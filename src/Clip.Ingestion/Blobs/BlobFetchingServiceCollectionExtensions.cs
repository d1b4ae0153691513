using Azure.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Ingestion.Blobs;

public static class BlobFetchingServiceCollectionExtensions
{
    /// <summary>
    /// Registers one shared <see cref="BlobImageFetcher"/> with <see cref="BlobStorageOptions"/> bound from
    /// <c>Clip:Storage</c> and validated at start. A <see cref="TokenCredential"/> registered by the host is used
    /// when there is no connection string; otherwise <c>DefaultAzureCredential</c>.
    /// </summary>
    public static IServiceCollection AddClipBlobFetching(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BlobStorageOptions>()
            .Bind(configuration.GetSection(BlobStorageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(sp => new BlobImageFetcher(
            sp.GetRequiredService<IOptions<BlobStorageOptions>>().Value,
            sp.GetService<TokenCredential>(),
            sp.GetService<ILogger<BlobImageFetcher>>()));
        return services;
    }
}
