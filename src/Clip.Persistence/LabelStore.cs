using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Clip.Inference.Encoders;
using Clip.Persistence.Dialects;
using Clip.Persistence.Migrations;
using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Persistence;

/// <summary>
/// <see cref="ILabelStore"/> over SQLite or PostgreSQL. Every value travels as a Dapper parameter. A batch is one
/// transaction that touches images in (source, ETag) order, so concurrent writers on PostgreSQL queue on row locks
/// instead of deadlocking.
/// </summary>
public sealed partial class LabelStore : ILabelStore, IAsyncDisposable, IDisposable
{
    private const string UpsertImageSql = """
        INSERT INTO images (source_uri, etag_or_hash, size_bytes, width, height, status, first_seen, last_seen)
        VALUES (@SourceUri, @EtagOrHash, @SizeBytes, @Width, @Height, @Status, @Now, @Now)
        ON CONFLICT (source_uri, etag_or_hash) DO UPDATE SET
            size_bytes = COALESCE(excluded.size_bytes, images.size_bytes),
            width = COALESCE(excluded.width, images.width),
            height = COALESCE(excluded.height, images.height),
            status = CASE WHEN images.status = 'labelled' THEN 'labelled' ELSE excluded.status END,
            last_seen = excluded.last_seen
        RETURNING id
        """;

    // The conflict target is the expression index both dialects define, so a NULL head is one key, not many.
    private const string UpsertRunSql = """
        INSERT INTO label_runs (image_id, model_id, taxonomy_version, head_version, abstained, abstain_reason, decode_ms, encode_ms, total_ms, created_at)
        VALUES (@ImageId, @ModelId, @TaxonomyVersion, @HeadVersion, @Abstained, @AbstainReason, @DecodeMs, @EncodeMs, @TotalMs, @Now)
        ON CONFLICT (image_id, model_id, taxonomy_version, (COALESCE(head_version, ''))) DO UPDATE SET
            abstained = excluded.abstained,
            abstain_reason = excluded.abstain_reason,
            decode_ms = excluded.decode_ms,
            encode_ms = excluded.encode_ms,
            total_ms = excluded.total_ms
        RETURNING id
        """;

    // One row per (source, version, stage, reason); the same failure again counts an occurrence and keeps the latest detail.
    private const string InsertFailureSql = """
        INSERT INTO failures (source_uri, etag_or_hash, stage, reason, detail, occurred_at, first_occurred_at, occurrences)
        VALUES (@SourceUri, @EtagOrHash, @Stage, @Reason, @Detail, @Now, @Now, 1)
        ON CONFLICT (source_uri, (coalesce(etag_or_hash, '')), stage, reason) DO UPDATE SET
            occurrences = failures.occurrences + 1,
            detail = excluded.detail,
            occurred_at = excluded.occurred_at
        """;

    private const string IsLabelledSql = """
        SELECT COUNT(*) FROM label_runs r JOIN images i ON i.id = r.image_id
        WHERE i.source_uri = @SourceUri AND i.etag_or_hash = @EtagOrHash
          AND r.model_id = @ModelId AND r.taxonomy_version = @TaxonomyVersion AND COALESCE(r.head_version, '') = @HeadKey
        """;

    private const string GetImageSql = """
        SELECT source_uri AS SourceUri, etag_or_hash AS EtagOrHash, size_bytes AS SizeBytes, width AS Width, height AS Height,
               status AS Status, first_seen AS FirstSeen, last_seen AS LastSeen
        FROM images WHERE source_uri = @SourceUri AND etag_or_hash = @EtagOrHash
        """;

    private const string GetRunsSql = """
        SELECT r.id AS Id, r.model_id AS ModelId, r.taxonomy_version AS TaxonomyVersion, r.head_version AS HeadVersion,
               r.abstained AS Abstained, r.abstain_reason AS AbstainReason,
               r.decode_ms AS DecodeMs, r.encode_ms AS EncodeMs, r.total_ms AS TotalMs, r.created_at AS CreatedAt
        FROM label_runs r JOIN images i ON i.id = r.image_id
        WHERE i.source_uri = @SourceUri AND i.etag_or_hash = @EtagOrHash
        ORDER BY r.id
        """;

    private const string GetLabelsSql = """
        SELECT l.run_id AS RunId, l.label_id AS LabelId, l.display_name AS DisplayName, l.score AS Score,
               l.cosine AS Cosine, l.probability AS Probability, l.rank AS Rank
        FROM labels l JOIN label_runs r ON r.id = l.run_id JOIN images i ON i.id = r.image_id
        WHERE i.source_uri = @SourceUri AND i.etag_or_hash = @EtagOrHash
        ORDER BY l.run_id, l.rank, l.label_id
        """;

    private const string CountImagesPerLabelSql = """
        SELECT l.label_id AS LabelId, MAX(l.display_name) AS DisplayName, COUNT(DISTINCT r.image_id) AS Images
        FROM labels l JOIN label_runs r ON r.id = l.run_id
        WHERE (@ModelId IS NULL OR r.model_id = @ModelId) AND (@TaxonomyVersion IS NULL OR r.taxonomy_version = @TaxonomyVersion)
        GROUP BY l.label_id
        ORDER BY COUNT(DISTINCT r.image_id) DESC, l.label_id
        """;

    private const string CountFailuresByReasonSql = """
        SELECT reason AS Reason, COUNT(*) AS Failures FROM failures
        GROUP BY reason ORDER BY COUNT(*) DESC, reason
        """;

    private const string GetFailuresSql = """
        SELECT source_uri AS SourceUri, etag_or_hash AS EtagOrHash, stage AS Stage, reason AS Reason, detail AS Detail, occurred_at AS OccurredAt,
               occurrences AS Occurrences
        FROM failures WHERE (@Reason IS NULL OR reason = @Reason)
        ORDER BY occurred_at DESC, id DESC
        LIMIT @Limit
        """;

    private const string GetEmbeddingSql = """
        SELECT e.vector FROM embeddings e JOIN images i ON i.id = e.image_id
        WHERE i.source_uri = @SourceUri AND i.etag_or_hash = @EtagOrHash AND e.model_id = @ModelId
        """;

    private readonly SqlDialect _dialect;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public LabelStore(PersistenceOptions options, ILogger<LabelStore>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _dialect = SqlDialect.Create(options);
        _logger = logger ?? NullLogger<LabelStore>.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public DatabaseProvider Provider => _dialect.Provider;

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = SchemaMigration.Load(_dialect.MigrationsFolder);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await _dialect.PrepareForMigrationAsync(connection, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await _dialect.LockForMigrationAsync(connection, transaction, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(_dialect.CreateMigrationsTableSql, transaction: transaction, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<int>(new CommandDefinition("SELECT version FROM schema_migrations", transaction: transaction, cancellationToken: cancellationToken))).ToHashSet();

        var newest = migrations[^1].Version;
        if (applied.Count > 0 && applied.Max() > newest)
        {
            throw new InvalidOperationException(
                $"The {_dialect.Provider} database {_dialect.Target} has schema version {applied.Max()}, newer than this build's {newest}; run a newer Clip.Workers.");
        }

        var now = _time.GetUtcNow();
        var appliedNow = new List<int>();
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @Now)",
                new { migration.Version, migration.Name, Now = now },
                transaction,
                cancellationToken: cancellationToken));
            appliedNow.Add(migration.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        foreach (var migration in migrations.Where(m => appliedNow.Contains(m.Version)))
        {
            Log.MigrationApplied(_logger, _dialect.Provider, migration.Version, migration.Name, _dialect.Target);
        }

        if (appliedNow.Count == 0)
        {
            Log.SchemaUpToDate(_logger, _dialect.Provider, _dialect.Target, newest);
        }

        return appliedNow;
    }

    public async Task WriteBatchAsync(IReadOnlyList<ImageOutcome> outcomes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var plan = BatchPlan.Create(outcomes);
        if (plan.Images.Count == 0 && plan.Failures.Count == 0)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var imageIds = new Dictionary<ImageKey, long>(plan.Images.Count);
        foreach (var (key, image) in plan.Images)
        {
            imageIds[key] = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                UpsertImageSql,
                new { key.SourceUri, key.EtagOrHash, image.SizeBytes, image.Width, image.Height, Status = image.Labelled ? StoredImage.Labelled : StoredImage.Failed, Now = now },
                transaction,
                cancellationToken: cancellationToken));
        }

        var runIds = new List<long>(plan.Runs.Count);
        var labels = new List<LabelRow>();
        var embeddings = new Dictionary<(long ImageId, string ModelId), EmbeddingRow>();
        foreach (var run in plan.Runs)
        {
            var imageId = imageIds[new ImageKey(run.SourceUri, run.EtagOrHash)];
            var runId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                UpsertRunSql,
                new
                {
                    ImageId = imageId,
                    run.ModelId,
                    run.TaxonomyVersion,
                    run.HeadVersion,
                    run.Abstained,
                    run.AbstainReason,
                    run.Timings.DecodeMs,
                    run.Timings.EncodeMs,
                    run.Timings.TotalMs,
                    Now = now,
                },
                transaction,
                cancellationToken: cancellationToken));
            runIds.Add(runId);
            labels.AddRange(run.Labels.Select(l => new LabelRow(runId, l.LabelId, l.DisplayName, l.Score, l.Cosine, l.Probability, l.Rank)));
            if (!run.Embedding.IsEmpty)
            {
                // Two runs of one image and model (say, two taxonomies) share one embedding row.
                embeddings[(imageId, run.ModelId)] = new EmbeddingRow(imageId, run.ModelId, run.Embedding.Length, Float32LittleEndian.Encode(run.Embedding.Span));
            }
        }

        await _dialect.ReplaceLabelsAsync(connection, transaction, runIds, labels, cancellationToken);
        await _dialect.UpsertEmbeddingsAsync(connection, transaction, [.. embeddings.Values], now, cancellationToken);
        if (plan.Failures.Count > 0)
        {
            var failures = plan.Failures.Select(f => new { f.SourceUri, f.EtagOrHash, Stage = StageName(f.Stage), f.Reason, f.Detail, Now = now });
            await connection.ExecuteAsync(new CommandDefinition(InsertFailureSql, failures, transaction, cancellationToken: cancellationToken));
        }

        await transaction.CommitAsync(cancellationToken);
        Log.BatchWritten(_logger, plan.Runs.Count, plan.Failures.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
    }

    public async Task<bool> IsLabelledAsync(string sourceUri, string etagOrHash, string modelId, string taxonomyVersion, string? headVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var runs = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            IsLabelledSql,
            new { SourceUri = sourceUri, EtagOrHash = etagOrHash, ModelId = modelId, TaxonomyVersion = taxonomyVersion, HeadKey = headVersion ?? string.Empty },
            cancellationToken: cancellationToken));
        return runs > 0;
    }

    public async Task<StoredImage?> GetImageAsync(string sourceUri, string etagOrHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(
            GetImageSql, new { SourceUri = sourceUri, EtagOrHash = etagOrHash }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new StoredImage(row.SourceUri, row.EtagOrHash, row.SizeBytes, row.Width, row.Height, row.Status, Timestamp(row.FirstSeen), Timestamp(row.LastSeen));
    }

    public async Task<IReadOnlyList<StoredRun>> GetRunsAsync(string sourceUri, string etagOrHash, CancellationToken cancellationToken = default)
    {
        var key = new { SourceUri = sourceUri, EtagOrHash = etagOrHash };
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var runs = await connection.QueryAsync<RunRow>(new CommandDefinition(GetRunsSql, key, cancellationToken: cancellationToken));
        var labels = (await connection.QueryAsync<LabelReadRow>(new CommandDefinition(GetLabelsSql, key, cancellationToken: cancellationToken)))
            .ToLookup(l => l.RunId);
        return
        [
            .. runs.Select(r => new StoredRun(
                r.ModelId,
                r.TaxonomyVersion,
                r.HeadVersion,
                r.Abstained,
                r.AbstainReason,
                new StageTimings(r.DecodeMs ?? 0, r.EncodeMs ?? 0, r.TotalMs ?? 0),
                Timestamp(r.CreatedAt),
                [.. labels[r.Id].Select(l => new AssignedLabel(l.LabelId, l.DisplayName, l.Score, l.Cosine, l.Probability, l.Rank))])),
        ];
    }

    public async Task<IReadOnlyList<LabelCount>> CountImagesPerLabelAsync(string? modelId = null, string? taxonomyVersion = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<LabelCountRow>(new CommandDefinition(
            CountImagesPerLabelSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new LabelCount(r.LabelId, r.DisplayName, r.Images))];
    }

    public async Task<IReadOnlyList<FailureCount>> CountFailuresByReasonAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<FailureCountRow>(new CommandDefinition(CountFailuresByReasonSql, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FailureCount(r.Reason, r.Failures))];
    }

    public async Task<IReadOnlyList<StoredFailure>> GetFailuresAsync(string? reason = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<FailureRow>(new CommandDefinition(
            GetFailuresSql, new { Reason = reason, Limit = limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new StoredFailure(r.SourceUri, r.EtagOrHash, ParseStage(r.Stage), r.Reason, r.Detail, Timestamp(r.OccurredAt), checked((int)r.Occurrences)))];
    }

    public async Task<float[]?> GetEmbeddingAsync(string sourceUri, string etagOrHash, string modelId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var bytes = await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
            GetEmbeddingSql, new { SourceUri = sourceUri, EtagOrHash = etagOrHash, ModelId = modelId }, cancellationToken: cancellationToken));
        return bytes is null ? null : Float32LittleEndian.Decode(bytes);
    }

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();

    // Hosts and the CLI may dispose the container synchronously.
    public void Dispose() => _dialect.Dispose();

    internal Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) => _dialect.OpenConnectionAsync(cancellationToken);

    internal static string StageName(FailureStage stage) => stage switch
    {
        FailureStage.Event => "event",
        FailureStage.Validate => "validate",
        FailureStage.Download => "download",
        FailureStage.Decode => "decode",
        FailureStage.Encode => "encode",
        FailureStage.Write => "write",
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown failure stage."),
    };

    private static FailureStage ParseStage(string stage) => Enum.Parse<FailureStage>(stage, ignoreCase: true);

    // SQLite hands timestamps back as text, Npgsql as UTC DateTime.
    private static DateTimeOffset Timestamp(object value) => value switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidCastException($"Unexpected timestamp type {value.GetType()}."),
    };

    // Row shapes Dapper fills by column alias; conversions between the dialects' types happen in the setters' types.
#pragma warning disable CA1812 // Instantiated by Dapper.
    private sealed class ImageRow
    {
        public long Id { get; set; }
        public string SourceUri { get; set; } = "";
        public string EtagOrHash { get; set; } = "";
        public long? SizeBytes { get; set; }
        public int? Width { get; set; }
        public int? Height { get; set; }
        public string Status { get; set; } = "";
        public object FirstSeen { get; set; } = null!;
        public object LastSeen { get; set; } = null!;
    }

    private sealed class RunRow
    {
        public long Id { get; set; }
        public string ModelId { get; set; } = "";
        public string TaxonomyVersion { get; set; } = "";
        public string? HeadVersion { get; set; }
        public bool Abstained { get; set; }
        public string? AbstainReason { get; set; }
        public double? DecodeMs { get; set; }
        public double? EncodeMs { get; set; }
        public double? TotalMs { get; set; }
        public object CreatedAt { get; set; } = null!;
    }

    private sealed class LabelReadRow
    {
        public long RunId { get; set; }
        public string LabelId { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public double Score { get; set; }
        public double Cosine { get; set; }
        public double Probability { get; set; }
        public int Rank { get; set; }
    }

    private sealed class LabelCountRow
    {
        public string LabelId { get; set; } = "";
        public string DisplayName { get; set; } = "";
        public long Images { get; set; }
    }

    private sealed class FailureCountRow
    {
        public string Reason { get; set; } = "";
        public long Failures { get; set; }
    }

    private sealed class FailureRow
    {
        public string SourceUri { get; set; } = "";
        public string? EtagOrHash { get; set; }
        public string Stage { get; set; } = "";
        public string Reason { get; set; } = "";
        public string? Detail { get; set; }
        public object OccurredAt { get; set; } = null!;

        public long Occurrences { get; set; }
    }
#pragma warning restore CA1812
}
