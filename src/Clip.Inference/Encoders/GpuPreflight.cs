using System.Globalization;

namespace Clip.Inference.Encoders;

/// <summary>
/// Checks, before ONNX Runtime loads its CUDA provider, that this node's NVIDIA driver and GPU can run it, so that a
/// mismatched node stops with a sentence that says what to change instead of an ONNX Runtime error from deep inside
/// session creation.
/// </summary>
public static class GpuPreflight
{
    /// <summary>
    /// The CUDA version the driver must support: ONNX Runtime 1.31's CUDA provider links libcudart.so.13 and cuBLAS 13,
    /// which NVIDIA drivers support from the R580 branch on.
    /// </summary>
    public static readonly Version RequiredCudaVersion = new(13, 0);

    private const string RequiredDriverBranch = "R580";

    // The GPU code in ONNX Runtime 1.31's CUDA provider, libonnxruntime_providers_cuda.so of the
    // Microsoft.ML.OnnxRuntime.Gpu.Linux package, as list_cuda_kernels.py lists it: cubins for exactly these compute
    // capabilities and no PTX, so there is nothing the driver could compile for any other GPU. With example GPUs.
    private static readonly (ComputeCapability Cubin, string Gpus)[] ShippedCubins =
    [
        (new(7, 5), "T4"),
        (new(8, 0), "A100"),
        (new(8, 6), "A10"),
        (new(8, 9), "L4/L40S"),
        (new(9, 0), "H100/H200"),
        (new(12, 0), "RTX PRO 6000 Blackwell"),
    ];

    /// <summary>Whether ONNX Runtime's CUDA kernels run on a GPU of this compute capability.</summary>
    public static bool CanRun(ComputeCapability capability) => ShippedCubins.Any(shipped => capability.Runs(shipped.Cubin));

    /// <summary>Asks <paramref name="driver"/> whether CUDA device <paramref name="deviceId"/> can run this build.</summary>
    /// <exception cref="ExecutionProviderUnavailableException">It cannot; the message says why and what would.</exception>
    public static GpuPreflightReport Check(INvidiaDriver driver, int deviceId)
    {
        ArgumentNullException.ThrowIfNull(driver);
        NvidiaDriverInfo info;
        try
        {
            info = driver.Query();
        }
        catch (NvidiaDriverException e)
        {
            throw new ExecutionProviderUnavailableException(e.Message, e);
        }

        if (info.CudaVersion < RequiredCudaVersion)
        {
            var found = info.DriverVersion is null ? "the NVIDIA driver" : $"NVIDIA driver {info.DriverVersion}";
            throw new ExecutionProviderUnavailableException(
                $"{found} supports CUDA {info.CudaVersion}; this build needs CUDA {RequiredCudaVersion} or newer, " +
                $"i.e. NVIDIA driver {RequiredDriverBranch} or newer");
        }

        if (deviceId < 0 || deviceId >= info.Devices.Count)
        {
            var visible = string.Join(", ", info.Devices.Select(d => string.Create(CultureInfo.InvariantCulture, $"{d.Ordinal}: {d.Name}")));
            throw new ExecutionProviderUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"CUDA device {deviceId} does not exist: the driver sees {info.Devices.Count} ({visible})"));
        }

        var device = info.Devices[deviceId];
        if (!CanRun(device.ComputeCapability))
        {
            var shipped = string.Join(", ", ShippedCubins.Select(s => $"{s.Cubin} ({s.Gpus})"));
            throw new ExecutionProviderUnavailableException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"CUDA device {deviceId} ({device.Name}) has compute capability {device.ComputeCapability}, which this build cannot run: " +
                    $"ONNX Runtime's CUDA kernels are compiled for compute capability {shipped} without PTX, and run only on a GPU of " +
                    $"the same major version and at least the same minor one (V100 is 7.0 and B200 is 10.0: neither can)"));
        }

        return new GpuPreflightReport(info.DriverVersion, info.CudaVersion, device);
    }
}
