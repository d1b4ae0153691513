namespace Clip.Inference.Encoders;

/// <summary>One GPU as the CUDA driver numbers it: <see cref="Ordinal"/> is what <see cref="InferenceOptions.DeviceId"/> names.</summary>
public sealed record CudaDevice(int Ordinal, string Name, ComputeCapability ComputeCapability);
