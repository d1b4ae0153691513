using Clip.Inference.Encoders;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Inference.Tests.Encoders;

/// <summary>The CUDA path's decisions, exercised on a CPU-only machine and build.</summary>
public sealed class ExecutionDeviceTests
{
    private static readonly Func<int, SessionOptions, SessionOptions> CudaThatFails =
        (_, _) => throw new DllNotFoundException("libcudart.so.13: cannot open shared object file");

    [Fact]
    public void Create_CudaRequestedButUnavailable_FailsFastWithReason()
    {
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Cuda, DeviceId = 1 }, new RecordingLogger<OnnxSessionFactory>(), CudaThatFails);

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Contains("device 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("libcudart.so.13", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AutoAndCudaUnavailable_FallsBackToCpuWithWarning()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Auto }, logger, CudaThatFails);

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal(ExecutionDevice.Cpu, device);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("falling back to CPU", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaAppends_ReportsCuda()
    {
        var appendedDevice = -1;
        var factory = new OnnxSessionFactory(
            new InferenceOptions { Device = ExecutionDevice.Cuda, DeviceId = 3 },
            new RecordingLogger<OnnxSessionFactory>(),
            (id, o) => { appendedDevice = id; return o; });

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal((ExecutionDevice.Cuda, 3), (device, appendedDevice));
    }

    [Fact]
    public void Create_CpuRequested_NeverTouchesCuda()
    {
        var factory = new OnnxSessionFactory(
            new InferenceOptions { Device = ExecutionDevice.Cpu },
            new RecordingLogger<OnnxSessionFactory>(),
            (_, _) => throw new InvalidOperationException("CUDA must not be tried"));

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal(ExecutionDevice.Cpu, device);
    }

    [Fact]
    public void Create_CudaWithTheRealCpuBuild_FailsFastSayingHowToGetTheGpuBuild()
    {
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Cuda }, new RecordingLogger<OnnxSessionFactory>());

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Contains("-p:ClipGpu=true", e.Message, StringComparison.Ordinal);
    }
}
