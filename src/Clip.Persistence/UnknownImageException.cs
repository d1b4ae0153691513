namespace Clip.Persistence;

/// <summary>Feedback names an image the store has never seen: label the image first.</summary>
public sealed class UnknownImageException : Exception
{
    public UnknownImageException()
        : this("The image is not in the database; label it first.")
    {
    }

    public UnknownImageException(string message)
        : base(message)
    {
    }

    public UnknownImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static UnknownImageException For(string sourceUri, string? etagOrHash) => new(etagOrHash is null
        ? $"No image {sourceUri} in the database; label the image first."
        : $"No image {sourceUri} with content {etagOrHash} in the database; label the image first.");
}
