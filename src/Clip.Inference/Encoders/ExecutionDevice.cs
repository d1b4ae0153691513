namespace Clip.Inference.Encoders;

/// <summary>Where ONNX Runtime runs the encoders.</summary>
public enum ExecutionDevice
{
    /// <summary>
    /// CUDA when this is the GPU build, the node's driver and GPU pass <see cref="GpuPreflight"/> and the CUDA execution
    /// provider loads; otherwise CPU, with a logged warning that says why.
    /// </summary>
    Auto,

    /// <summary>CPU execution provider only.</summary>
    Cpu,

    /// <summary>
    /// CUDA execution provider on <see cref="InferenceOptions.DeviceId"/>; fails fast, saying why, if the build, the node's
    /// driver or its GPU cannot run it (<see cref="GpuPreflight"/>) or the provider does not load.
    /// </summary>
    Cuda,
}
