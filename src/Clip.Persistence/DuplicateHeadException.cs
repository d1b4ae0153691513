namespace Clip.Persistence;

/// <summary>A head is saved under a version the store already has: versions are immutable.</summary>
public sealed class DuplicateHeadException : Exception
{
    public DuplicateHeadException()
        : this("A head with this version already exists.")
    {
    }

    public DuplicateHeadException(string message)
        : base(message)
    {
    }

    public DuplicateHeadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static DuplicateHeadException For(string version) => new($"A head with version {version} already exists; head versions are never overwritten.");
}
