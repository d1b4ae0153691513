using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging;

namespace Clip.Inference.Tests.Encoders;

/// <summary>Which variant of each tower a model runs, on CPU and, with the CUDA provider stubbed, on a GPU node.</summary>
public sealed class PrecisionChoiceTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(ExecutionDevice.Cuda, ModelPrecision.Fp16)]
    [InlineData(ExecutionDevice.Cpu, ModelPrecision.Int8)]
    public void For_AutoWithEveryVariant_TakesTheDevicesFastOne(ExecutionDevice device, ModelPrecision expected)
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel);

        Assert.Equal(expected, PrecisionChoice.For(ModelPrecision.Auto, device, bundle.VisionFiles));
    }

    [Theory]
    [InlineData(ExecutionDevice.Cuda, "vision_model_fp16.onnx", ModelPrecision.Fp32, ModelPrecision.Fp16)]
    [InlineData(ExecutionDevice.Cpu, "text_model_quantized.onnx", ModelPrecision.Int8, ModelPrecision.Fp32)]
    public void Apply_AutoWithOneTowersVariantMissing_ChoosesPerTower(ExecutionDevice device, string deleted, ModelPrecision vision, ModelPrecision text)
    {
        var copy = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        File.Delete(Path.Combine(copy, "onnx", deleted));

        var bundle = PrecisionChoice.Apply(ModelBundle.Load(copy), ModelPrecision.Auto, device);

        Assert.Equal((vision, text), (bundle.VisionPrecision, bundle.TextPrecision));
    }

    [Fact]
    public void Apply_ExplicitPrecision_IsTakenWhateverTheDevice()
    {
        var bundle = PrecisionChoice.Apply(ModelBundle.Load(TestPaths.BundledModel), ModelPrecision.Int8, ExecutionDevice.Cuda);

        Assert.Equal((ModelPrecision.Int8, ModelPrecision.Int8), (bundle.VisionPrecision, bundle.TextPrecision));
    }

    [Fact]
    public void Load_AutoOnAGpuNodeWithCudaStubbed_RunsTheFp16TowersAndLogsTheChoiceOnce()
    {
        var loggers = new RecordingLoggerFactory();
        var options = new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Auto, Precision = ModelPrecision.Auto };
        // The stub appends nothing, so the sessions really run on CPU, as ONNX Runtime would where CUDA has no kernel.
        var sessions = new OnnxSessionFactory(options, loggers.CreateLogger("sessions"), () => true, (_, o) => o, StubNvidiaDriver.H100());

        using var model = ClipModel.Load(options, new ImageLimits(), loggers, sessions, padPromptsToContextLength: false);

        Assert.Equal((ModelPrecision.Fp16, ModelPrecision.Fp16), (model.Bundle.VisionPrecision, model.Bundle.TextPrecision));
        Assert.Equal(ExecutionDevice.Cuda, model.ImageEncoder.Device);
        Assert.EndsWith("+vision-fp16+text-fp16", model.ModelId, StringComparison.Ordinal);
        var choice = Assert.Single(loggers.Messages, m => m.StartsWith("Precision ", StringComparison.Ordinal));
        Assert.Equal("Precision auto on Cuda: image tower fp16 (vision_model_fp16.onnx), text tower fp16 (text_model_fp16.onnx)", choice);
    }

    [Fact]
    public void Load_AutoOnCpu_RunsTheInt8Towers()
    {
        var loggers = new RecordingLoggerFactory();

        using var model = ClipModel.Load(
            new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu, Precision = ModelPrecision.Auto }, new ImageLimits(), loggers);

        Assert.Equal((ModelPrecision.Int8, ModelPrecision.Int8), (model.Bundle.VisionPrecision, model.Bundle.TextPrecision));
        Assert.Contains("Precision auto on Cpu: image tower int8 (vision_model_quantized.onnx), text tower int8 (text_model_quantized.onnx)", loggers.Messages);
    }

    [Fact]
    public void Load_ExplicitVariantMissing_FailsNamingTheFile()
    {
        var copy = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        File.Delete(Path.Combine(copy, "onnx", "text_model_quantized.onnx"));

        var e = Assert.Throws<ModelBundleException>(() => ClipModel.Load(
            new InferenceOptions { ModelPath = copy, Device = ExecutionDevice.Cpu, Precision = ModelPrecision.Int8 }, new ImageLimits(), new RecordingLoggerFactory()));

        Assert.Equal(Path.Combine(copy, "onnx", "text_model_quantized.onnx"), e.Path);
    }

    /// <summary>Every logger it makes records into one list of messages.</summary>
    private sealed class RecordingLoggerFactory : ILoggerFactory
    {
        private readonly List<RecordingLogger<object>> _loggers = [];

        public IReadOnlyList<string> Messages => [.. _loggers.SelectMany(l => l.Entries).Select(e => e.Message)];

        public ILogger CreateLogger(string categoryName)
        {
            var logger = new RecordingLogger<object>();
            _loggers.Add(logger);
            return logger;
        }

        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

        public void Dispose()
        {
        }
    }
}
