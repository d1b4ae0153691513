using System.Data.Common;
using Clip.Persistence.Authentication;

namespace Clip.Persistence.Dialects;

/// <summary>
/// What differs between the databases: connections, migration locking and the bulk paths. The row-by-row
/// upserts are plain SQL both dialects accept (ON CONFLICT ... RETURNING), so they live in <see cref="LabelStore"/>.
/// </summary>
internal abstract class SqlDialect : IAsyncDisposable, IDisposable
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>The embedded migration folder under <c>Migrations/</c>.</summary>
    public abstract string MigrationsFolder { get; }

    /// <summary>Where the data lives, safe to log: a file path or host/database, never credentials.</summary>
    public abstract string Target { get; }

    public abstract string CreateMigrationsTableSql { get; }

    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// "Is one of the list parameter <paramref name="parameter"/>": Dapper expands a list into one parameter per item
    /// for SQLite and sends it to PostgreSQL as one array.
    /// </summary>
    public abstract string InList(string parameter);

    /// <summary>Connection-level settings that cannot change inside a transaction.</summary>
    public virtual Task PrepareForMigrationAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Keeps two processes from migrating at once; released with the transaction.</summary>
    public virtual Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Serialises promotions and rollbacks of one model and taxonomy version until the transaction ends. SQLite needs
    /// nothing: its transactions begin IMMEDIATE, holding the database's write lock.
    /// </summary>
    public virtual Task LockHeadsAsync(DbConnection connection, DbTransaction transaction, string modelId, string taxonomyVersion, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deletes the labels of <paramref name="runIds"/> and inserts <paramref name="labels"/>.</summary>
    public abstract Task ReplaceLabelsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<long> runIds, IReadOnlyList<LabelRow> labels, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces embeddings; at most one row per (image, model).</summary>
    public abstract Task UpsertEmbeddingsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EmbeddingRow> embeddings, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Inserts a model's near-duplicate group members, skipping images deleted since they were read.</summary>
    public abstract Task InsertDuplicateGroupsAsync(
        DbConnection connection, DbTransaction transaction, string modelId, IReadOnlyList<DuplicateMember> members, double minCosine, DateTimeOffset now, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public abstract void Dispose();

    public static SqlDialect Create(PersistenceOptions options, Func<EntraTokenPassword> entraToken) => options.Provider switch
    {
        DatabaseProvider.Sqlite => new SqliteDialect(options.ConnectionString),
        DatabaseProvider.Postgres => new PostgresDialect(
            options,
            options.Authentication == DatabaseAuthentication.Entra ? entraToken() : null),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Provider, "Unknown database provider."),
    };
}

internal sealed record LabelRow(long RunId, string LabelId, string DisplayName, double Score, double Cosine, double Probability, int Rank);

internal sealed record EmbeddingRow(long ImageId, string ModelId, int Dim, byte[] Vector);
