using Clip.Inference;
using Clip.Inference.ZeroShot;
using Clip.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Training.Retraining;

public static class RetrainingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the retraining job with <see cref="RetrainingOptions"/> (<c>Clip:Retraining</c>) and the trainer's
    /// <see cref="HeadTrainingOptions"/> (<c>Clip:Retraining:Head</c>), validated at start. Needs
    /// <c>AddClipInference</c> and <c>AddClipPersistence</c>.
    /// </summary>
    public static IServiceCollection AddClipRetraining(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RetrainingOptions>()
            .Bind(configuration.GetSection(RetrainingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HeadTrainingOptions>()
            .Bind(configuration.GetSection(HeadTrainingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RetrainingJob(
            sp.GetRequiredService<ClipModel>(),
            sp.GetRequiredService<ClassMatrixCache>(),
            sp.GetRequiredService<ILabelStore>(),
            sp.GetRequiredService<IOptions<RetrainingOptions>>().Value,
            sp.GetRequiredService<IOptions<HeadTrainingOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RetrainingJob>>()));
        return services;
    }
}
