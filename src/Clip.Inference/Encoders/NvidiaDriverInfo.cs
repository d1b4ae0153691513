namespace Clip.Inference.Encoders;

/// <summary>What the installed NVIDIA driver reports about itself and the GPUs this process sees.</summary>
/// <param name="DriverVersion">The driver's version, such as 580.65.06; null when NVML is not there to say.</param>
/// <param name="CudaVersion">The newest CUDA version the driver supports, such as 13.0.</param>
/// <param name="Devices">The visible GPUs, by ordinal.</param>
public sealed record NvidiaDriverInfo(string? DriverVersion, Version CudaVersion, IReadOnlyList<CudaDevice> Devices);
