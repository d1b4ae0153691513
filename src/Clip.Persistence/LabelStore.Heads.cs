using System.Text.Json;
using Dapper;

namespace Clip.Persistence;

/// <summary>Trained classifier heads: candidates, the promoted one per model and taxonomy version, and its history.</summary>
public sealed partial class LabelStore
{
    private const string InsertHeadSql = """
        INSERT INTO heads (version, taxonomy_version, model_id, weights, metrics, alpha, training, created_at)
        VALUES (@Version, @TaxonomyVersion, @ModelId, @Weights, @MetricsJson, @Alpha, @TrainingJson, @CreatedAt)
        ON CONFLICT (version) DO NOTHING
        """;

    private const string GetHeadSql = """
        SELECT version AS Version, model_id AS ModelId, taxonomy_version AS TaxonomyVersion, weights AS Weights, metrics AS MetricsJson,
               alpha AS Alpha, training AS TrainingJson, created_at AS CreatedAt, is_promoted AS IsPromoted, promoted_at AS PromotedAt
        FROM heads WHERE version = @Version
        """;

    private const string SummaryColumns = """
        version AS Version, model_id AS ModelId, taxonomy_version AS TaxonomyVersion, length(weights) AS WeightsBytes, metrics AS MetricsJson,
        alpha AS Alpha, created_at AS CreatedAt, is_promoted AS IsPromoted, promoted_at AS PromotedAt
        """;

    private const string ListHeadsSql = $"""
        SELECT {SummaryColumns} FROM heads
        WHERE (@ModelId IS NULL OR model_id = @ModelId) AND (@TaxonomyVersion IS NULL OR taxonomy_version = @TaxonomyVersion)
        ORDER BY created_at DESC, version DESC
        """;

    // Served by the partial unique index on promoted heads.
    private const string GetPromotedHeadSql = $"""
        SELECT {SummaryColumns} FROM heads
        WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion AND is_promoted
        """;

    private const string GetHeadKeySql = "SELECT model_id AS ModelId, taxonomy_version AS TaxonomyVersion FROM heads WHERE version = @Version";

    private const string GetPromotedVersionSql = "SELECT version FROM heads WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion AND is_promoted";

    // Demote before promoting: the unique index on promoted heads is checked statement by statement.
    private const string DemoteSql = "UPDATE heads SET is_promoted = false WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion AND is_promoted";

    private const string PromoteSql = "UPDATE heads SET is_promoted = true, promoted_at = @Now WHERE version = @Version";

    private const string InsertPromotionSql = """
        INSERT INTO head_promotions (model_id, taxonomy_version, version, action, changed_at)
        VALUES (@ModelId, @TaxonomyVersion, @Version, @Action, @Now)
        """;

    private const string GetPromotionHistorySql = """
        SELECT version AS Version, action AS Action FROM head_promotions
        WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion
        ORDER BY id
        """;

    public async Task SaveHeadAsync(StoredHead head, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentException.ThrowIfNullOrWhiteSpace(head.Version, nameof(head));
        ArgumentException.ThrowIfNullOrWhiteSpace(head.ModelId, nameof(head));
        ArgumentException.ThrowIfNullOrWhiteSpace(head.TaxonomyVersion, nameof(head));
        ArgumentNullException.ThrowIfNull(head.Weights, nameof(head));
        if (head.IsPromoted || head.PromotedAt is not null)
        {
            throw new ArgumentException($"Head {head.Version} is saved as a candidate; promote it with {nameof(PromoteHeadAsync)}.", nameof(head));
        }

        if (head.Alpha is not (>= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(head), head.Alpha, $"Head {head.Version}: alpha must be between 0 and 1.");
        }

        RequireJson(head.MetricsJson, "metrics", head.Version);
        RequireJson(head.TrainingJson, "training", head.Version);

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertHeadSql,
            new { head.Version, head.TaxonomyVersion, head.ModelId, head.Weights, head.MetricsJson, head.Alpha, head.TrainingJson, CreatedAt = head.CreatedAt.ToUniversalTime() },
            cancellationToken: cancellationToken));
        if (inserted == 0)
        {
            throw DuplicateHeadException.For(head.Version);
        }
    }

    public async Task<StoredHead?> GetHeadAsync(string version, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<HeadRow>(new CommandDefinition(GetHeadSql, new { Version = version }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new StoredHead(
                row.Version, row.ModelId, row.TaxonomyVersion, row.Weights, row.MetricsJson, row.Alpha, row.TrainingJson,
                Timestamp(row.CreatedAt), row.IsPromoted, row.PromotedAt is null ? null : Timestamp(row.PromotedAt));
    }

    public async Task<IReadOnlyList<HeadSummary>> ListHeadsAsync(string? modelId = null, string? taxonomyVersion = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<HeadSummaryRow>(new CommandDefinition(
            ListHeadsSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToSummary())];
    }

    public async Task<HeadSummary?> GetPromotedHeadAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<HeadSummaryRow>(new CommandDefinition(
            GetPromotedHeadSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
        return row?.ToSummary();
    }

    public async Task PromoteHeadAsync(string version, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var key = await connection.QuerySingleOrDefaultAsync<HeadKeyRow>(new CommandDefinition(GetHeadKeySql, new { Version = version }, transaction, cancellationToken: cancellationToken))
            ?? throw UnknownHeadException.For(version);
        await _dialect.LockHeadsAsync(connection, transaction, key.ModelId, key.TaxonomyVersion, cancellationToken);
        var current = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(GetPromotedVersionSql, key, transaction, cancellationToken: cancellationToken));
        if (current == version)
        {
            return;
        }

        var now = _time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(DemoteSql, key, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(PromoteSql, new { Version = version, Now = now }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            InsertPromotionSql, new { key.ModelId, key.TaxonomyVersion, Version = version, Action = "promote", Now = now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        Log.HeadPromoted(_logger, version, key.ModelId, key.TaxonomyVersion, current);
    }

    public async Task<string?> RollbackHeadAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        var key = new HeadKeyRow { ModelId = modelId, TaxonomyVersion = taxonomyVersion };
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await _dialect.LockHeadsAsync(connection, transaction, modelId, taxonomyVersion, cancellationToken);
        var history = await connection.QueryAsync<PromotionRow>(new CommandDefinition(GetPromotionHistorySql, key, transaction, cancellationToken: cancellationToken));
        var current = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(GetPromotedVersionSql, key, transaction, cancellationToken: cancellationToken));

        // Promotions push and rollbacks pop; what is left is the chain of promotions still in effect.
        var inEffect = new List<string>();
        foreach (var change in history)
        {
            if (change.Action == "promote")
            {
                inEffect.Add(change.Version!);
            }
            else if (inEffect.Count > 0)
            {
                inEffect.RemoveAt(inEffect.Count - 1);
            }
        }

        if (inEffect.Count == 0 && current is null)
        {
            return null;
        }

        if (inEffect.Count > 0)
        {
            inEffect.RemoveAt(inEffect.Count - 1);
        }

        var target = inEffect.Count > 0 ? inEffect[^1] : null;
        var now = _time.GetUtcNow();
        await connection.ExecuteAsync(new CommandDefinition(DemoteSql, key, transaction, cancellationToken: cancellationToken));
        if (target is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(PromoteSql, new { Version = target, Now = now }, transaction, cancellationToken: cancellationToken));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            InsertPromotionSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion, Version = target, Action = "rollback", Now = now }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        Log.HeadRolledBack(_logger, modelId, taxonomyVersion, current, target);
        return target;
    }

    private static void RequireJson(string json, string what, string version)
    {
        ArgumentNullException.ThrowIfNull(json, what);
        try
        {
            using var document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Head {version}: the {what} are not valid JSON ({e.Message}).", what, e);
        }
    }

#pragma warning disable CA1812 // Instantiated by Dapper.
    private sealed class HeadRow
    {
        public string Version { get; set; } = "";
        public string ModelId { get; set; } = "";
        public string TaxonomyVersion { get; set; } = "";
        public byte[] Weights { get; set; } = [];
        public string MetricsJson { get; set; } = "";
        public double Alpha { get; set; }
        public string TrainingJson { get; set; } = "";
        public object CreatedAt { get; set; } = null!;
        public bool IsPromoted { get; set; }
        public object? PromotedAt { get; set; }
    }

    private sealed class HeadSummaryRow
    {
        public string Version { get; set; } = "";
        public string ModelId { get; set; } = "";
        public string TaxonomyVersion { get; set; } = "";
        public long WeightsBytes { get; set; }
        public string MetricsJson { get; set; } = "";
        public double Alpha { get; set; }
        public object CreatedAt { get; set; } = null!;
        public bool IsPromoted { get; set; }
        public object? PromotedAt { get; set; }

        public HeadSummary ToSummary() => new(
            Version, ModelId, TaxonomyVersion, WeightsBytes, MetricsJson, Alpha, Timestamp(CreatedAt), IsPromoted, PromotedAt is null ? null : Timestamp(PromotedAt));
    }

    private sealed class HeadKeyRow
    {
        public string ModelId { get; set; } = "";
        public string TaxonomyVersion { get; set; } = "";
    }

    private sealed class PromotionRow
    {
        public string? Version { get; set; }
        public string Action { get; set; } = "";
    }
#pragma warning restore CA1812
}
