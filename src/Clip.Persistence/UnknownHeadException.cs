namespace Clip.Persistence;

/// <summary>A head version the store does not have.</summary>
public sealed class UnknownHeadException : Exception
{
    public UnknownHeadException()
        : this("No such head.")
    {
    }

    public UnknownHeadException(string message)
        : base(message)
    {
    }

    public UnknownHeadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static UnknownHeadException For(string version) => new($"No head with version {version} in the database.");
}
