using Clip.Inference.Encoders;

namespace Clip.Inference.Tests.Encoders;

/// <summary>Which nodes the GPU build refuses, and that it says why: a driver too old for CUDA 13, a GPU it has no kernels for.</summary>
public sealed class GpuPreflightTests
{
    [Fact]
    public void Check_DriverOnlySupportsCuda12_4_RefusesNamingItAndTheR580DriverNeeded()
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(StubNvidiaDriver.R550(), deviceId: 0));

        Assert.Equal(
            "NVIDIA driver 550.54.15 supports CUDA 12.4; this build needs CUDA 13.0 or newer, i.e. NVIDIA driver R580 or newer",
            e.Message);
    }

    [Fact]
    public void Check_OldDriverWithoutNvml_RefusesNamingItsCudaVersion()
    {
        var driver = new StubNvidiaDriver(() =>
            new NvidiaDriverInfo(null, new Version(12, 8), [new CudaDevice(0, "NVIDIA L4", new ComputeCapability(8, 9))]));

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(driver, deviceId: 0));

        Assert.StartsWith("the NVIDIA driver supports CUDA 12.8; this build needs CUDA 13.0 or newer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoDriver_RefusesSayingNoneWasFound()
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(StubNvidiaDriver.Missing(), deviceId: 0));

        Assert.Contains("no NVIDIA driver found", e.Message, StringComparison.Ordinal);
        Assert.IsType<NvidiaDriverException>(e.InnerException);
    }

    [Fact]
    public void Check_DriverError_RefusesWithTheCudaError()
    {
        var driver = new StubNvidiaDriver(() =>
            throw new NvidiaDriverException("the CUDA driver API failed: cuInit returned CUDA_ERROR_NO_DEVICE (100)", cudaError: 100));

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(driver, deviceId: 0));

        Assert.Contains("cuInit returned CUDA_ERROR_NO_DEVICE (100)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DeviceOrdinalBeyondTheVisibleGpus_RefusesListingThem()
    {
        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(StubNvidiaDriver.H100(), deviceId: 1));

        Assert.Equal("CUDA device 1 does not exist: the driver sees 1 (0: NVIDIA H100 80GB HBM3)", e.Message);
    }

    [Theory]
    [InlineData("Tesla V100-SXM2-32GB", 7, 0)]
    [InlineData("NVIDIA B200", 10, 0)]
    public void Check_GpuWithoutShippedKernels_RefusesNamingTheGpuAndWhatRuns(string name, int major, int minor)
    {
        var capability = new ComputeCapability(major, minor);

        var e = Assert.Throws<ExecutionProviderUnavailableException>(() => GpuPreflight.Check(StubNvidiaDriver.With(name, major, minor), deviceId: 0));

        Assert.StartsWith($"CUDA device 0 ({name}) has compute capability {capability}, which this build cannot run", e.Message, StringComparison.Ordinal);
        Assert.Contains("7.5 (T4), 8.0 (A100), 8.6 (A10), 8.9 (L4/L40S), 9.0 (H100/H200), 12.0 (RTX PRO 6000 Blackwell) without PTX", e.Message, StringComparison.Ordinal);
        Assert.Contains("V100 is 7.0 and B200 is 10.0", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tesla T4", 7, 5)]
    [InlineData("NVIDIA A100 80GB PCIe", 8, 0)]
    [InlineData("NVIDIA A10", 8, 6)]
    [InlineData("NVIDIA L4", 8, 9)]
    [InlineData("NVIDIA H100 80GB HBM3", 9, 0)]
    public void Check_GpuWithShippedKernels_ReportsDriverCudaVersionAndDevice(string name, int major, int minor)
    {
        var report = GpuPreflight.Check(StubNvidiaDriver.With(name, major, minor), deviceId: 0);

        Assert.Equal(
            new GpuPreflightReport("580.65.06", new Version(13, 0), new CudaDevice(0, name, new ComputeCapability(major, minor))),
            report);
    }

    [Theory]
    [InlineData(6, 1, false)] // P40
    [InlineData(7, 0, false)] // V100
    [InlineData(7, 2, false)] // Jetson Xavier
    [InlineData(7, 5, true)] // T4
    [InlineData(8, 0, true)] // A100
    [InlineData(8, 7, true)] // Jetson Orin, on the sm_86 cubins
    [InlineData(9, 0, true)] // H100
    [InlineData(10, 0, false)] // B200
    [InlineData(10, 3, false)] // B300
    [InlineData(12, 0, true)] // RTX PRO 6000 Blackwell
    [InlineData(12, 1, true)] // GB10, on the sm_120 cubins
    public void CanRun_ComputeCapability_FollowsCubinCompatibility(int major, int minor, bool runs)
    {
        Assert.Equal(runs, GpuPreflight.CanRun(new ComputeCapability(major, minor)));
    }
}
