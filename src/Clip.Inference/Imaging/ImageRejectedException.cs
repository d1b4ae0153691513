using System.Text.Json;

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

    /// <summary>The reason as the short snake-case code failure rows record (<c>too_many_pixels</c>).</summary>
    public string ReasonCode => JsonNamingPolicy.SnakeCaseLower.ConvertName(Reason.ToString());
}
