namespace Clip.Inference.Encoders;

/// <summary>The NVIDIA driver on this machine, asked what CUDA version it supports and which GPUs it sees.</summary>
public interface INvidiaDriver
{
    /// <exception cref="NvidiaDriverException">No NVIDIA driver is installed, or the driver returned an error.</exception>
    NvidiaDriverInfo Query();
}
