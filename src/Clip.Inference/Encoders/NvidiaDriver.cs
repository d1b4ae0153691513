using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Clip.Inference.Encoders;

/// <summary>
/// Asks the installed NVIDIA driver through its own Linux libraries: the CUDA driver API in <c>libcuda.so.1</c> for the
/// CUDA version and the GPUs, and NVML in <c>libnvidia-ml.so.1</c>, when it is there, for the driver's version string.
/// Neither belongs to the CUDA toolkit in the image: the NVIDIA container toolkit mounts them from the node.
/// </summary>
public sealed partial class NvidiaDriver : INvidiaDriver
{
    private const string CudaLibrary = "libcuda.so.1";
    private const string NvmlLibrary = "libnvidia-ml.so.1";
    private const int Success = 0;

    // CUdevice_attribute values from cuda.h.
    private const int ComputeCapabilityMajorAttribute = 75;
    private const int ComputeCapabilityMinorAttribute = 76;

    // NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE is 80; device names are shorter than 256 bytes.
    private const int DriverVersionBufferSize = 80;
    private const int DeviceNameBufferSize = 256;

    /// <inheritdoc />
    public NvidiaDriverInfo Query()
    {
        try
        {
            // cuDriverGetVersion works before cuInit, so an old driver is named even where cuInit would fail.
            Check(CuDriverGetVersion(out var cudaVersion), "cuDriverGetVersion");
            Check(CuInit(0), "cuInit");
            Check(CuDeviceGetCount(out var count), "cuDeviceGetCount");
            var devices = new CudaDevice[count];
            for (var ordinal = 0; ordinal < count; ordinal++)
            {
                devices[ordinal] = ReadDevice(ordinal);
            }

            return new NvidiaDriverInfo(ReadDriverVersion(), new Version(cudaVersion / 1000, cudaVersion % 1000 / 10), devices);
        }
        catch (DllNotFoundException e)
        {
            throw new NvidiaDriverException(
                $"no NVIDIA driver found: {CudaLibrary} cannot be loaded (in a container, the NVIDIA container toolkit mounts it when the container is given a GPU)",
                innerException: e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new NvidiaDriverException($"{CudaLibrary} is not a usable NVIDIA driver: {e.Message}", innerException: e);
        }
    }

    private static CudaDevice ReadDevice(int ordinal)
    {
        Check(CuDeviceGet(out var device, ordinal), "cuDeviceGet");
        Span<byte> name = stackalloc byte[DeviceNameBufferSize];
        Check(CuDeviceGetName(name, name.Length, device), "cuDeviceGetName");
        Check(CuDeviceGetAttribute(out var major, ComputeCapabilityMajorAttribute, device), "cuDeviceGetAttribute");
        Check(CuDeviceGetAttribute(out var minor, ComputeCapabilityMinorAttribute, device), "cuDeviceGetAttribute");
        return new CudaDevice(ordinal, Utf8String(name), new ComputeCapability(major, minor));
    }

    /// <summary>The driver's version string from NVML, or null: the preflight's rules need only the CUDA driver API.</summary>
    private static string? ReadDriverVersion()
    {
        try
        {
            if (NvmlInit() != Success)
            {
                return null;
            }

            try
            {
                Span<byte> version = stackalloc byte[DriverVersionBufferSize];
                return NvmlSystemGetDriverVersion(version, (uint)version.Length) == Success ? Utf8String(version) : null;
            }
            finally
            {
                _ = NvmlShutdown();
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static void Check(int result, string function)
    {
        if (result == Success)
        {
            return;
        }

        var name = CuGetErrorName(result, out var text) == Success ? Marshal.PtrToStringUTF8(text) : null;
        throw new NvidiaDriverException(
            string.Create(CultureInfo.InvariantCulture, $"the CUDA driver API failed: {function} returned {name ?? "CUresult"} ({result})"),
            result);
    }

    private static string Utf8String(ReadOnlySpan<byte> terminated)
    {
        var end = terminated.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? terminated : terminated[..end]);
    }

    [LibraryImport(CudaLibrary, EntryPoint = "cuInit")]
    private static partial int CuInit(uint flags);

    [LibraryImport(CudaLibrary, EntryPoint = "cuDriverGetVersion")]
    private static partial int CuDriverGetVersion(out int driverVersion);

    [LibraryImport(CudaLibrary, EntryPoint = "cuDeviceGetCount")]
    private static partial int CuDeviceGetCount(out int count);

    [LibraryImport(CudaLibrary, EntryPoint = "cuDeviceGet")]
    private static partial int CuDeviceGet(out int device, int ordinal);

    [LibraryImport(CudaLibrary, EntryPoint = "cuDeviceGetName")]
    private static partial int CuDeviceGetName(Span<byte> name, int length, int device);

    [LibraryImport(CudaLibrary, EntryPoint = "cuDeviceGetAttribute")]
    private static partial int CuDeviceGetAttribute(out int value, int attribute, int device);

    // The name is a static string the caller must not free, hence nint rather than string.
    [LibraryImport(CudaLibrary, EntryPoint = "cuGetErrorName")]
    private static partial int CuGetErrorName(int error, out nint name);

    [LibraryImport(NvmlLibrary, EntryPoint = "nvmlInit_v2")]
    private static partial int NvmlInit();

    [LibraryImport(NvmlLibrary, EntryPoint = "nvmlSystemGetDriverVersion")]
    private static partial int NvmlSystemGetDriverVersion(Span<byte> version, uint length);

    [LibraryImport(NvmlLibrary, EntryPoint = "nvmlShutdown")]
    private static partial int NvmlShutdown();
}
