namespace Clip.Persistence.Authentication;

/// <summary>No Entra ID access token could be had for the database: the credential failed (identity, federation, scope).</summary>
public sealed class DatabaseTokenException : Exception
{
    public DatabaseTokenException()
    {
    }

    public DatabaseTokenException(string message)
        : base(message)
    {
    }

    public DatabaseTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
