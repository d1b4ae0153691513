namespace Clip.Inference.Encoders;

/// <summary>The requested execution provider (CUDA) could not be loaded on this machine or in this build.</summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
