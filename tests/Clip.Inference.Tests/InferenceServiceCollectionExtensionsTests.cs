using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Clip.Inference.Tests;

public sealed class InferenceServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddClipInference(configuration)
            .BuildServiceProvider();
    }

    [Fact]
    public void AddClipInference_NoConfiguration_LoadsTheBundledModelOnCpu()
    {
        using var services = Build(new() { ["Clip:Inference:Device"] = "Cpu" });

        var model = services.GetRequiredService<ClipModel>();

        Assert.Matches("^clip-workers/tiny-clip-v1@sha256:[0-9a-f]{16}$", model.ModelId);
        Assert.Equal(ExecutionDevice.Cpu, model.ImageEncoder.Device);
        Assert.Same(model, services.GetRequiredService<ClipModel>());
    }

    [Fact]
    public void AddClipInference_PrecisionAutoOnCpu_LoadsTheBundledModelsInt8Towers()
    {
        using var services = Build(new() { ["Clip:Inference:Device"] = "cpu", ["Clip:Inference:Precision"] = "auto" });

        var model = services.GetRequiredService<ClipModel>();

        Assert.Equal((ModelPrecision.Int8, ModelPrecision.Int8), (model.Bundle.VisionPrecision, model.Bundle.TextPrecision));
        Assert.EndsWith("+vision-int8+text-int8", model.ModelId, StringComparison.Ordinal);
    }

    [Fact]
    public void AddClipInference_NoPrecisionSetting_KeepsFloat32()
    {
        using var services = Build(new() { ["Clip:Inference:Device"] = "cpu" });

        Assert.Equal(ModelPrecision.Fp32, services.GetRequiredService<IOptions<InferenceOptions>>().Value.Precision);
    }

    [Fact]
    public void AddClipInference_BindsLimitsFromConfiguration()
    {
        using var services = Build(new() { ["Clip:Images:MaxFrames"] = "7", ["Clip:Inference:DeviceId"] = "2" });

        Assert.Equal(7, services.GetRequiredService<IOptions<ImageLimits>>().Value.MaxFrames);
        Assert.Equal(2, services.GetRequiredService<IOptions<InferenceOptions>>().Value.DeviceId);
    }

    [Theory]
    [InlineData("Clip:Inference:DeviceId", "-1", "DeviceId")]
    [InlineData("Clip:Inference:ModelPath", "", "ModelPath")]
    [InlineData("Clip:Images:MaxFrames", "0", "MaxFrames")]
    [InlineData("Clip:ZeroShot:PromptBatchSize", "0", "PromptBatchSize")]
    public void AddClipInference_InvalidSetting_FailsValidationNamingIt(string key, string value, string member)
    {
        using var services = Build(new() { [key] = value });

        var e = Assert.ThrowsAny<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<InferenceOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ImageLimits>>().Value;
            _ = services.GetRequiredService<IOptions<ZeroShotOptions>>().Value;
        });

        Assert.Contains(member, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddClipInference_ZeroShotCacheDirectory_IsBoundFromConfiguration()
    {
        using var services = Build(new() { ["Clip:ZeroShot:CacheDirectory"] = "/var/cache/clip-test" });

        Assert.Equal("/var/cache/clip-test", services.GetRequiredService<ClassMatrixCache>().DirectoryPath);
    }

    [Fact]
    public void ZeroShotOptions_Default_CachesUnderAClipWorkersFolder()
    {
        Assert.EndsWith(Path.Combine("clip-workers", "class-matrices"), new ZeroShotOptions().CacheDirectory, StringComparison.Ordinal);
    }
}
