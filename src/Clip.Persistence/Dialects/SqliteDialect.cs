using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Clip.Persistence.Dialects;

/// <summary>
/// The embedded default. Writers serialise on the file: transactions begin IMMEDIATE (the Microsoft.Data.Sqlite
/// default) and a busy database is retried until the command timeout, so concurrent batches queue instead of failing.
/// </summary>
internal sealed class SqliteDialect : SqlDialect
{
    private const string DeleteLabelsSql = "DELETE FROM labels WHERE run_id = @RunId";

    private const string InsertLabelSql = """
        INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
        VALUES (@RunId, @LabelId, @DisplayName, @Score, @Cosine, @Probability, @Rank)
        """;

    private const string UpsertEmbeddingSql = """
        INSERT INTO embeddings (image_id, model_id, dim, vector, created_at)
        VALUES (@ImageId, @ModelId, @Dim, @Vector, @Now)
        ON CONFLICT (image_id, model_id) DO UPDATE SET
            dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at
        """;

    private const string InsertDuplicateSql = """
        INSERT INTO duplicate_groups (model_id, image_id, group_id, cosine_to_first, min_cosine, found_at)
        SELECT @ModelId, @ImageId, @GroupId, @CosineToFirst, @MinCosine, @Now
        WHERE EXISTS (SELECT 1 FROM images WHERE id = @ImageId)
        """;

    private readonly string _connectionString;
    private readonly bool _inMemory;

    public SqliteDialect(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        // ON DELETE CASCADE only works with foreign keys on; respect an explicit choice.
        builder.ForeignKeys ??= true;
        _connectionString = builder.ToString();
        _inMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:";
        Target = _inMemory || string.IsNullOrEmpty(builder.DataSource) ? builder.DataSource : Path.GetFullPath(builder.DataSource);
    }

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override string MigrationsFolder => "Sqlite";

    public override string Target { get; }

    public override string CreateMigrationsTableSql => """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     INTEGER PRIMARY KEY,
            name        TEXT NOT NULL,
            applied_at  TEXT NOT NULL
        ) STRICT
        """;

    public override string InList(string parameter) => "IN @" + parameter;

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override async Task PrepareForMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (!_inMemory)
        {
            // Readers no longer block the writer; the mode is stored in the file, so once is enough.
            await connection.ExecuteScalarAsync<string>(new CommandDefinition("PRAGMA journal_mode = WAL", cancellationToken: cancellationToken));
        }
    }

    public override async Task ReplaceLabelsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<long> runIds, IReadOnlyList<LabelRow> labels, CancellationToken cancellationToken)
    {
        // Dapper runs one command per element, so SQLite prepares each statement once per batch.
        await connection.ExecuteAsync(new CommandDefinition(DeleteLabelsSql, runIds.Select(id => new { RunId = id }), transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(InsertLabelSql, labels, transaction, cancellationToken: cancellationToken));
    }

    public override async Task UpsertEmbeddingsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EmbeddingRow> embeddings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = embeddings.Select(e => new { e.ImageId, e.ModelId, e.Dim, e.Vector, Now = now });
        await connection.ExecuteAsync(new CommandDefinition(UpsertEmbeddingSql, rows, transaction, cancellationToken: cancellationToken));
    }

    public override async Task InsertDuplicateGroupsAsync(
        DbConnection connection, DbTransaction transaction, string modelId, IReadOnlyList<DuplicateMember> members, double minCosine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = members.Select(m => new { ModelId = modelId, m.ImageId, m.GroupId, m.CosineToFirst, MinCosine = minCosine, Now = now });
        await connection.ExecuteAsync(new CommandDefinition(InsertDuplicateSql, rows, transaction, cancellationToken: cancellationToken));
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override void Dispose()
    {
    }
}
