namespace Clip.Inference.Imaging;

/// <summary>An encoded image that cannot or must not be preprocessed.</summary>
public sealed class ImageRejectedException : Exception
{
    public ImageRejectedException()
        : this(ImageRejectionReason.Corrupt, "The image was rejected.")
    {
    }

    public ImageRejectedException(string message)
        : this(ImageRejectionReason.Corrupt, message)
    {
    }

    public ImageRejectedException(string message, Exception innerException)
        : this(ImageRejectionReason.Corrupt, message, innerException)
    {
    }

    public ImageRejectedException(ImageRejectionReason reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public ImageRejectionReason Reason { get; }
}
