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

    private static readonly Func<int, SessionOptions, SessionOptions> CudaThatAppends = (_, o) => o;

    private static readonly Func<int, SessionOptions, SessionOptions> CudaNeverAppended =
        (_, _) => throw new InvalidOperationException("the CUDA provider must not be appended");

    [Fact]
    public void Create_CudaRequestedButUnavailable_FailsFastWithReason()
    {
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Cuda, DeviceId = 1 }, CudaThatFails, TwoH100s());

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Contains("device 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("libcudart.so.13", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AutoAndCudaUnavailable_FallsBackToCpuWithWarning()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Auto }, CudaThatFails, StubNvidiaDriver.H100(), logger);

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal(ExecutionDevice.Cpu, device);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("falling back to CPU", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaAppends_ReportsCuda()
    {
        var appendedDevice = -1;
        var factory = GpuBuild(
            new InferenceOptions { Device = ExecutionDevice.Cuda, DeviceId = 1 },
            (id, o) => { appendedDevice = id; return o; },
            TwoH100s());

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal((ExecutionDevice.Cuda, 1), (device, appendedDevice));
    }

    [Fact]
    public void Create_CpuRequested_NeverTouchesCuda()
    {
        var driver = StubNvidiaDriver.NeverAsked();
        var factory = new OnnxSessionFactory(
            new InferenceOptions { Device = ExecutionDevice.Cpu },
            new RecordingLogger<OnnxSessionFactory>(),
            () => throw new InvalidOperationException("the build's providers must not be asked"),
            CudaNeverAppended,
            driver);

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal((ExecutionDevice.Cpu, 0), (device, driver.Queries));
    }

#if !CLIP_GPU
    // The CPU build's own ONNX Runtime; the GPU build's has the provider (GpuBuild/GpuBuildTests).
    [Fact]
    public void Create_CudaWithTheRealCpuBuild_FailsFastSayingHowToGetTheGpuBuild()
    {
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Cuda }, new RecordingLogger<OnnxSessionFactory>());

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Contains("-p:ClipGpu=true", e.Message, StringComparison.Ordinal);
    }
#endif

    [Fact]
    public void Create_AutoInTheCpuBuild_RunsOnCpuWithoutAskingTheDriver()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var driver = StubNvidiaDriver.NeverAsked();
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Auto }, logger, () => false, CudaNeverAppended, driver);

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal((ExecutionDevice.Cpu, 0), (device, driver.Queries));
        var entry = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Information, "This ONNX Runtime build has no CUDA execution provider; running on CPU"), entry);
    }

    [Fact]
    public void Create_CudaOnADriverTooOldForCuda13_FailsFastBeforeLoadingTheProvider()
    {
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Cuda }, CudaNeverAppended, StubNvidiaDriver.R550());

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Contains("NVIDIA driver 550.54.15 supports CUDA 12.4", e.Message, StringComparison.Ordinal);
        Assert.Contains("needs CUDA 13.0 or newer, i.e. NVIDIA driver R580 or newer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_TwoSessionsAutoOnADriverTooOldForCuda13_FallBackToCpuLoggingWhyOnce()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var driver = StubNvidiaDriver.R550();
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Auto }, CudaNeverAppended, driver, logger);

        using (factory.CreateSessionOptions(out _))
        using (factory.CreateSessionOptions(out var device))
        {
            Assert.Equal(ExecutionDevice.Cpu, device);
        }

        Assert.Equal(1, driver.Queries);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith("CUDA device 0 fails the GPU preflight, falling back to CPU: NVIDIA driver 550.54.15 supports CUDA 12.4", warning.Message, StringComparison.Ordinal);
        Assert.Contains("R580", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_AutoWithoutNvidiaDriver_FallsBackToCpuLoggingWhy()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Auto }, CudaNeverAppended, StubNvidiaDriver.Missing(), logger);

        using var options = factory.CreateSessionOptions(out var device);

        Assert.Equal(ExecutionDevice.Cpu, device);
        var warning = Assert.Single(logger.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains("no NVIDIA driver found", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaOnAV100_FailsFastNamingTheGpu()
    {
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Cuda }, CudaNeverAppended, StubNvidiaDriver.With("Tesla V100-SXM2-32GB", 7, 0));

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.StartsWith("CUDA device 0 (Tesla V100-SXM2-32GB) has compute capability 7.0, which this build cannot run", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_CudaOnAMissingDevice_FailsFastListingTheVisibleOnes()
    {
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Cuda, DeviceId = 2 }, CudaNeverAppended, TwoH100s());

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => factory.CreateSessionOptions(out _));

        Assert.Equal("CUDA device 2 does not exist: the driver sees 2 (0: NVIDIA H100 80GB HBM3, 1: NVIDIA H100 80GB HBM3)", e.Message);
    }

    [Fact]
    public void Create_TwoSessionsOnASupportedGpu_AsksTheDriverAndLogsItsReportOnce()
    {
        var logger = new RecordingLogger<OnnxSessionFactory>();
        var driver = StubNvidiaDriver.H100();
        var factory = GpuBuild(new InferenceOptions { Device = ExecutionDevice.Cuda }, CudaThatAppends, driver, logger);

        using (factory.CreateSessionOptions(out _))
        using (factory.CreateSessionOptions(out var device))
        {
            Assert.Equal(ExecutionDevice.Cuda, device);
        }

        Assert.Equal(1, driver.Queries);
        var report = Assert.Single(logger.Entries, e => e.Message.StartsWith("GPU preflight passed", StringComparison.Ordinal));
        Assert.Equal(
            "GPU preflight passed: NVIDIA driver 580.65.06 supports CUDA 13.0; CUDA device 0 is NVIDIA H100 80GB HBM3, compute capability 9.0",
            report.Message);
    }

    /// <summary>A factory as in the GPU build (<c>-p:ClipGpu=true</c>), whose ONNX Runtime has the CUDA provider.</summary>
    private static OnnxSessionFactory GpuBuild(
        InferenceOptions options, Func<int, SessionOptions, SessionOptions> appendCuda, StubNvidiaDriver driver, ILogger? logger = null) =>
        new(options, logger ?? new RecordingLogger<OnnxSessionFactory>(), () => true, appendCuda, driver);

    private static StubNvidiaDriver TwoH100s() =>
        new(() => new NvidiaDriverInfo(
            "580.65.06",
            new Version(13, 0),
            [
                new CudaDevice(0, "NVIDIA H100 80GB HBM3", new ComputeCapability(9, 0)),
                new CudaDevice(1, "NVIDIA H100 80GB HBM3", new ComputeCapability(9, 0)),
            ]));
}
