namespace Clip.Persistence;

/// <summary>How a PostgreSQL connection proves who it is.</summary>
public enum DatabaseAuthentication
{
    /// <summary>The password in the connection string (self-hosted PostgreSQL, trials).</summary>
    Password,

    /// <summary>A Microsoft Entra ID access token as the password, fetched and refreshed by the worker (Azure).</summary>
    Entra,
}
