using System.Data.Common;
using Clip.Persistence.Authentication;
using Dapper;
using Npgsql;

namespace Clip.Persistence.Dialects;

/// <summary>
/// Production. Labels and embeddings of a whole batch go in one statement each: the rows travel as typed
/// arrays (Dapper passes arrays through to Npgsql) and <c>unnest</c> turns them back into rows.
/// </summary>
internal sealed class PostgresDialect : SqlDialect
{
    // Any constant shared by every migrating process; "clip" in ASCII.
    private const long MigrationLockKey = 0x636c6970;

    private const string DeleteLabelsSql = "DELETE FROM labels WHERE run_id = ANY(@RunIds)";

    private const string InsertLabelsSql = """
        INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
        SELECT * FROM unnest(
            @RunIds::bigint[], @LabelIds::text[], @DisplayNames::text[],
            @Scores::double precision[], @Cosines::double precision[], @Probabilities::double precision[],
            @Ranks::integer[])
        """;

    private const string UpsertEmbeddingsSql = """
        INSERT INTO embeddings (image_id, model_id, dim, vector, created_at)
        SELECT u.image_id, u.model_id, u.dim, u.vector, @Now
        FROM unnest(@ImageIds::bigint[], @ModelIds::text[], @Dims::integer[], @Vectors::bytea[]) AS u (image_id, model_id, dim, vector)
        ON CONFLICT (image_id, model_id) DO UPDATE SET
            dim = excluded.dim, vector = excluded.vector, created_at = excluded.created_at
        """;

    private const string InsertDuplicatesSql = """
        INSERT INTO duplicate_groups (model_id, image_id, group_id, cosine_to_first, min_cosine, found_at)
        SELECT @ModelId, u.image_id, u.group_id, u.cosine_to_first, @MinCosine, @Now
        FROM unnest(@ImageIds::bigint[], @GroupIds::bigint[], @Cosines::double precision[]) AS u (image_id, group_id, cosine_to_first)
        WHERE EXISTS (SELECT 1 FROM images WHERE id = u.image_id)
        """;

    // Each statement's arrays stay a few megabytes.
    private const int DuplicatesPerStatement = 50_000;

    // Row locks in one order, so two promoters queue instead of deadlocking; new heads are unpromoted and need none.
    private const string LockHeadsSql = """
        SELECT version FROM heads WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion
        ORDER BY version FOR UPDATE
        """;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresDialect(PersistenceOptions options, EntraTokenPassword? entraToken = null)
    {
        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        Target = $"{builder.ConnectionStringBuilder.Host}:{builder.ConnectionStringBuilder.Port}/{builder.ConnectionStringBuilder.Database}";
        if (entraToken is not null)
        {
            builder.UsePeriodicPasswordProvider(
                (_, cancellationToken) => entraToken.GetPasswordAsync(cancellationToken),
                options.EntraTokenPollInterval,
                options.EntraTokenRetryInterval);
        }

        _dataSource = builder.Build();
    }

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public override string MigrationsFolder => "Postgres";

    public override string Target { get; }

    public override string CreateMigrationsTableSql => """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer PRIMARY KEY,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL
        )
        """;

    public override string InList(string parameter) => "= ANY(@" + parameter + ")";

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken);

    public override async Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@Key)", new { Key = MigrationLockKey }, transaction, cancellationToken: cancellationToken));

    public override async Task LockHeadsAsync(DbConnection connection, DbTransaction transaction, string modelId, string taxonomyVersion, CancellationToken cancellationToken) =>
        await connection.ExecuteAsync(new CommandDefinition(LockHeadsSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, transaction, cancellationToken: cancellationToken));

    public override async Task ReplaceLabelsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<long> runIds, IReadOnlyList<LabelRow> labels, CancellationToken cancellationToken)
    {
        if (runIds.Count > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(DeleteLabelsSql, new { RunIds = runIds.ToArray() }, transaction, cancellationToken: cancellationToken));
        }

        if (labels.Count == 0)
        {
            return;
        }

        var columns = new
        {
            RunIds = labels.Select(l => l.RunId).ToArray(),
            LabelIds = labels.Select(l => l.LabelId).ToArray(),
            DisplayNames = labels.Select(l => l.DisplayName).ToArray(),
            Scores = labels.Select(l => l.Score).ToArray(),
            Cosines = labels.Select(l => l.Cosine).ToArray(),
            Probabilities = labels.Select(l => l.Probability).ToArray(),
            Ranks = labels.Select(l => l.Rank).ToArray(),
        };
        await connection.ExecuteAsync(new CommandDefinition(InsertLabelsSql, columns, transaction, cancellationToken: cancellationToken));
    }

    public override async Task UpsertEmbeddingsAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<EmbeddingRow> embeddings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (embeddings.Count == 0)
        {
            return;
        }

        var columns = new
        {
            ImageIds = embeddings.Select(e => e.ImageId).ToArray(),
            ModelIds = embeddings.Select(e => e.ModelId).ToArray(),
            Dims = embeddings.Select(e => e.Dim).ToArray(),
            Vectors = embeddings.Select(e => e.Vector).ToArray(),
            Now = now,
        };
        await connection.ExecuteAsync(new CommandDefinition(UpsertEmbeddingsSql, columns, transaction, cancellationToken: cancellationToken));
    }

    public override async Task InsertDuplicateGroupsAsync(
        DbConnection connection, DbTransaction transaction, string modelId, IReadOnlyList<DuplicateMember> members, double minCosine, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var chunk in members.Chunk(DuplicatesPerStatement))
        {
            var columns = new
            {
                ModelId = modelId,
                ImageIds = chunk.Select(m => m.ImageId).ToArray(),
                GroupIds = chunk.Select(m => m.GroupId).ToArray(),
                Cosines = chunk.Select(m => m.CosineToFirst).ToArray(),
                MinCosine = minCosine,
                Now = now,
            };
            await connection.ExecuteAsync(new CommandDefinition(InsertDuplicatesSql, columns, transaction, cancellationToken: cancellationToken));
        }
    }

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public override void Dispose() => _dataSource.Dispose();
}
