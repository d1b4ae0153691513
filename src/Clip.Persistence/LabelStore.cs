using System.ComponentModel.DataAnnotations;
using System.Data.Common;
using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using Clip.Inference.Encoders;
using Clip.Persistence.Authentication;
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

    /// <summary>Most images one <see cref="FindLabelledAsync"/> call may ask about: each is a query parameter.</summary>
    public const int MaxLabelledLookup = 500;

    private readonly SqlDialect _dialect;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>
    /// Opens the store. <paramref name="credential"/> signs in to PostgreSQL when <see cref="PersistenceOptions.Authentication"/>
    /// is <see cref="DatabaseAuthentication.Entra"/>: <see cref="DefaultAzureCredential"/> (workload identity in AKS) when
    /// none is given; it is unused otherwise.
    /// </summary>
    public LabelStore(PersistenceOptions options, ILogger<LabelStore>? logger = null, TimeProvider? timeProvider = null, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _logger = logger ?? NullLogger<LabelStore>.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _dialect = SqlDialect.Create(options, () => new EntraTokenPassword(credential ?? new DefaultAzureCredential(), _time, _logger));
    }

    public DatabaseProvider Provider => _dialect.Provider;

    internal SqlDialect Dialect => _dialect;

    public string Target => _dialect.Target;

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
}
