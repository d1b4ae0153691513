using Clip.Inference.Encoders;

namespace Clip.Inference.Tests.Encoders;

/// <summary>A driver that answers what a test says, and counts how often it was asked.</summary>
internal sealed class StubNvidiaDriver(Func<NvidiaDriverInfo> query) : INvidiaDriver
{
    public int Queries { get; private set; }

    /// <summary>An R580 driver (CUDA 13.0) with one GPU.</summary>
    public static StubNvidiaDriver With(string name, int major, int minor) =>
        new(() => new NvidiaDriverInfo("580.65.06", new Version(13, 0), [new CudaDevice(0, name, new ComputeCapability(major, minor))]));

    public static StubNvidiaDriver H100() => With("NVIDIA H100 80GB HBM3", 9, 0);

    /// <summary>An R550 driver, which supports CUDA 12.4, with a GPU this build could otherwise run.</summary>
    public static StubNvidiaDriver R550() =>
        new(() => new NvidiaDriverInfo("550.54.15", new Version(12, 4), [new CudaDevice(0, "NVIDIA A100 80GB PCIe", new ComputeCapability(8, 0))]));

    public static StubNvidiaDriver Missing() =>
        new(() => throw new NvidiaDriverException("no NVIDIA driver found: libcuda.so.1 cannot be loaded"));

    public static StubNvidiaDriver NeverAsked() =>
        new(() => throw new InvalidOperationException("the NVIDIA driver must not be asked"));

    public NvidiaDriverInfo Query()
    {
        Queries++;
        return query();
    }
}
