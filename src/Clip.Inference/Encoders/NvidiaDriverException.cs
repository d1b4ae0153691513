namespace Clip.Inference.Encoders;

/// <summary>The NVIDIA driver could not be asked: it is not installed, or the CUDA driver API returned an error.</summary>
public sealed class NvidiaDriverException : Exception
{
    public NvidiaDriverException(string message, int? cudaError = null, Exception? innerException = null)
        : base(message, innerException)
    {
        CudaError = cudaError;
    }

    /// <summary>The CUresult the CUDA driver API returned; null when there was no driver to ask.</summary>
    public int? CudaError { get; }
}
