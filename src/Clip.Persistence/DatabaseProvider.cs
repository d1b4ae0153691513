namespace Clip.Persistence;

/// <summary>Which SQL database holds the results.</summary>
public enum DatabaseProvider
{
    /// <summary>A local SQLite file: the embedded default for the CLI and a single worker.</summary>
    Sqlite,

    /// <summary>PostgreSQL: production, shared by many workers.</summary>
    Postgres,
}
