namespace Clip.Inference.Encoders;

/// <summary>A node that passed <see cref="GpuPreflight.Check"/>: its driver and the GPU ONNX Runtime will use.</summary>
/// <param name="DriverVersion">The NVIDIA driver's version, such as 580.65.06; null when NVML is not there to say.</param>
/// <param name="CudaVersion">The newest CUDA version the driver supports.</param>
/// <param name="Device">The GPU named by <see cref="InferenceOptions.DeviceId"/>.</param>
public sealed record GpuPreflightReport(string? DriverVersion, Version CudaVersion, CudaDevice Device);
