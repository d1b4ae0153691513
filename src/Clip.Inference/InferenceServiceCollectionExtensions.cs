using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Inference;

public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the CLIP model (a singleton, loaded on first use) with its options bound from
    /// <c>Clip:Inference</c> and <c>Clip:Images</c> and validated at start, and the class matrix
    /// cache configured by <c>Clip:ZeroShot</c>.
    /// </summary>
    public static IServiceCollection AddClipInference(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<InferenceOptions>()
            .Bind(configuration.GetSection(InferenceOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<ImageLimits>()
            .Bind(configuration.GetSection(ImageLimits.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<ZeroShotOptions>()
            .Bind(configuration.GetSection(ZeroShotOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(sp => new ClassMatrixCache(
            sp.GetRequiredService<IOptions<ZeroShotOptions>>().Value.CacheDirectory,
            sp.GetRequiredService<ILogger<ClassMatrixCache>>()));
        services.TryAddSingleton(sp => ClipModel.Load(
            sp.GetRequiredService<IOptions<InferenceOptions>>().Value,
            sp.GetRequiredService<IOptions<ImageLimits>>().Value,
            sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }
}
