namespace Clip.Inference.Encoders;

/// <summary>Where ONNX Runtime runs the encoders.</summary>
public enum ExecutionDevice
{
    /// <summary>CUDA when the CUDA execution provider loads, otherwise CPU with a logged warning.</summary>
    Auto,

    /// <summary>CPU execution provider only.</summary>
    Cpu,

    /// <summary>CUDA execution provider on <see cref="InferenceOptions.DeviceId"/>; fails fast if it cannot load.</summary>
    Cuda,
}
