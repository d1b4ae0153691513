using System.Globalization;
using System.Text;
using Dapper;

namespace Clip.Persistence.Review;

/// <summary>
/// What the review app reads: the queue of latest runs least confident first, one image's whole story, and the
/// per-label and per-head quality figures. Reads only, apart from <see cref="LabelStore.AddFeedbackAsync"/> which the
/// app calls for verdicts, so the app's database role needs SELECT on the tables and INSERT on <c>feedback</c>.
/// Every value travels as a parameter; the SQL text only ever varies by which fixed conditions are present.
/// </summary>
public sealed class ReviewQueries(LabelStore store)
{
    /// <summary>The schema version the queries need (the queue's indexes).</summary>
    public const int RequiredSchemaVersion = 9;

    /// <summary>Most cards one queue page holds.</summary>
    public const int MaxPageSize = 200;

    /// <summary>Most labels a card carries as alternatives (the keys 1–9).</summary>
    public const int MaxAlternatives = 9;

    /// <summary>
    /// Fails with <see cref="InvalidOperationException"/> naming the command to run when the database is older than
    /// this build's queries: the review app never migrates (its role may not change the schema).
    /// </summary>
    public async Task CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        long? version;
        try
        {
            version = await connection.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT MAX(version) FROM schema_migrations", cancellationToken: cancellationToken));
        }
        catch (System.Data.Common.DbException e)
        {
            throw new InvalidOperationException($"The database {store.Target} has no Clip.Workers schema ({e.Message}); label images into it first, or run clip db migrate.", e);
        }

        if (version is null || version < RequiredSchemaVersion)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The database {store.Target} is at schema version {version ?? 0}; the review app needs {RequiredSchemaVersion}. Run clip db migrate (or start a worker, which migrates) first."));
        }
    }

    /// <summary>The (model, taxonomy version) pairs that have runs, newest first: from the stored class matrices and the newest run.</summary>
    public async Task<IReadOnlyList<LabelledSet>> ListLabelledSetsAsync(CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT model_id AS ModelId, taxonomy_version AS TaxonomyVersion, created_at AS At FROM class_matrices
            UNION ALL
            SELECT model_id, taxonomy_version, created_at FROM (SELECT model_id, taxonomy_version, created_at FROM label_runs ORDER BY id DESC LIMIT 1) newest
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<SetRow>(new CommandDefinition(sql, cancellationToken: cancellationToken));
        return [.. rows
            .Select(r => new LabelledSet(r.ModelId, r.TaxonomyVersion, LabelStore.Timestamp(r.At)))
            .GroupBy(s => (s.ModelId, s.TaxonomyVersion))
            .Select(g => g.MaxBy(s => s.LastUsed)!)
            .OrderByDescending(s => s.LastUsed)];
    }

    /// <summary>
    /// One page of the queue: the latest run of each image for the filter's model and taxonomy, by rank-1 probability
    /// ascending (then run id), after <paramref name="after"/>. Each card carries the run's top labels and the image's
    /// latest verdict for the taxonomy, if any.
    /// </summary>
    public async Task<QueuePage> ReadQueueAsync(QueueFilter filter, QueueCursor? after, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var (sql, parameters) = QueueSql(filter, after, pageSize + 1);
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<CardRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > pageSize;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var alternatives = await ReadAlternativesAsync(connection, [.. rows.Select(r => r.RunId)], cancellationToken);
        var verdicts = await ReadVerdictsAsync(connection, [.. rows.Select(r => r.ImageId)], filter.TaxonomyVersion, cancellationToken);
        var cards = rows.Select(r => new QueueCard(
            r.RunId,
            r.ImageId,
            r.SourceUri,
            r.EtagOrHash,
            r.HeadVersion,
            r.Abstained,
            r.AbstainReason,
            LabelStore.Timestamp(r.CreatedAt),
            r.LabelId,
            r.DisplayName,
            r.Probability,
            r.Cosine,
            alternatives.TryGetValue(r.RunId, out var a) ? a : [],
            verdicts.GetValueOrDefault(r.ImageId))).ToList();
        var next = more && cards.Count > 0 ? new QueueCursor(cards[^1].Probability, cards[^1].RunId) : null;
        return new QueuePage(cards, next);
    }

    /// <summary>An image row by id, or null when SQL has no such image.</summary>
    public async Task<ReviewImage?> GetImageAsync(long imageId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id AS Id, source_uri AS SourceUri, etag_or_hash AS EtagOrHash, size_bytes AS SizeBytes, width AS Width, height AS Height,
                   status AS Status, first_seen AS FirstSeen, last_seen AS LastSeen
            FROM images WHERE id = @ImageId
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<LabelStore.ImageRow>(new CommandDefinition(sql, new { ImageId = imageId }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new ReviewImage(row.Id, row.SourceUri, row.EtagOrHash, row.SizeBytes, row.Width, row.Height, row.Status, LabelStore.Timestamp(row.FirstSeen), LabelStore.Timestamp(row.LastSeen));
    }

    /// <summary>Every run of the image, newest first, each with all its stored labels in rank order.</summary>
    public async Task<IReadOnlyList<ReviewRun>> GetRunsAsync(long imageId, CancellationToken cancellationToken = default)
    {
        const string runsSql = """
            SELECT id AS RunId, model_id AS ModelId, taxonomy_version AS TaxonomyVersion, head_version AS HeadVersion,
                   abstained AS Abstained, abstain_reason AS AbstainReason, created_at AS CreatedAt
            FROM label_runs WHERE image_id = @ImageId
            ORDER BY created_at DESC, id DESC
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var runs = (await connection.QueryAsync<RunRow>(new CommandDefinition(runsSql, new { ImageId = imageId }, cancellationToken: cancellationToken))).ToList();
        var labels = await ReadAlternativesAsync(connection, [.. runs.Select(r => r.RunId)], cancellationToken, limit: int.MaxValue);
        return [.. runs.Select(r => new ReviewRun(
            r.RunId, r.ModelId, r.TaxonomyVersion, r.HeadVersion, r.Abstained, r.AbstainReason, LabelStore.Timestamp(r.CreatedAt),
            labels.TryGetValue(r.RunId, out var l) ? l : []))];
    }

    /// <summary>Every verdict on the image, newest first.</summary>
    public async Task<IReadOnlyList<Verdict>> GetFeedbackAsync(long imageId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT id AS Id, image_id AS ImageId, label_id AS LabelId, taxonomy_version AS TaxonomyVersion, verified_by AS VerifiedBy,
                   verified_at AS VerifiedAt, note AS Note
            FROM feedback WHERE image_id = @ImageId ORDER BY id DESC
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<VerdictRow>(new CommandDefinition(sql, new { ImageId = imageId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToVerdict())];
    }

    /// <summary>The near-duplicate group the image belongs to under the model (as last found), the image itself left out.</summary>
    public async Task<IReadOnlyList<DuplicateNeighbour>> GetDuplicatesAsync(long imageId, string modelId, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT d.image_id AS ImageId, i.source_uri AS SourceUri, d.cosine_to_first AS CosineToFirst, d.group_id AS GroupId
            FROM duplicate_groups d
            JOIN images i ON i.id = d.image_id
            WHERE d.model_id = @ModelId AND d.image_id <> @ImageId
              AND d.group_id = (SELECT g.group_id FROM duplicate_groups g WHERE g.model_id = @ModelId AND g.image_id = @ImageId)
            ORDER BY d.image_id
            LIMIT 100
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DuplicateRow>(new CommandDefinition(sql, new { ImageId = imageId, ModelId = modelId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new DuplicateNeighbour(r.ImageId, r.SourceUri, r.CosineToFirst, r.GroupId == r.ImageId))];
    }

    /// <summary>
    /// Per rank-1 label of the latest runs: images, abstentions, images with a verdict, and how many of those verdicts
    /// agree with the model's label (an estimate of the label's precision).
    /// </summary>
    public async Task<IReadOnlyList<LabelQuality>> ReadLabelQualityAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        // Two passes: every latest run once for the label counts, then only the reviewed images (feedback is small) for
        // the verdicts, each matched to its image's latest run. CROSS JOIN keeps SQLite's outer loop on the runs in id
        // order (each run's labels are then neighbours in the primary key), 2.4x faster than from the label index.
        const string latest = """
            NOT EXISTS (
                SELECT 1 FROM label_runs newer
                WHERE newer.image_id = r.image_id AND newer.model_id = r.model_id AND newer.taxonomy_version = r.taxonomy_version
                  AND (newer.created_at > r.created_at OR (newer.created_at = r.created_at AND newer.id > r.id)))
            """;
        const string countsSql = $"""
            SELECT l.label_id AS LabelId, MAX(l.display_name) AS DisplayName, COUNT(*) AS Images,
                   SUM(CASE WHEN r.abstained THEN 1 ELSE 0 END) AS Abstained
            FROM label_runs r
            CROSS JOIN labels l
            WHERE l.run_id = r.id AND l.rank = 1 AND r.model_id = @ModelId AND r.taxonomy_version = @TaxonomyVersion AND {latest}
            GROUP BY l.label_id
            """;
        const string verdictsSql = $"""
            SELECT l.label_id AS LabelId, COUNT(*) AS Reviewed, SUM(CASE WHEN v.label_id = l.label_id THEN 1 ELSE 0 END) AS Agreed
            FROM feedback v
            JOIN label_runs r ON r.image_id = v.image_id AND r.model_id = @ModelId AND r.taxonomy_version = v.taxonomy_version
            JOIN labels l ON l.run_id = r.id AND l.rank = 1
            WHERE v.taxonomy_version = @TaxonomyVersion
              AND NOT EXISTS (SELECT 1 FROM feedback later WHERE later.taxonomy_version = v.taxonomy_version AND later.image_id = v.image_id AND later.id > v.id)
              AND {latest}
            GROUP BY l.label_id
            """;
        var parameters = new { ModelId = modelId, TaxonomyVersion = taxonomyVersion };
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var counts = await connection.QueryAsync<QualityRow>(new CommandDefinition(countsSql, parameters, commandTimeout: 300, cancellationToken: cancellationToken));
        var verdicts = (await connection.QueryAsync<VerdictCountRow>(new CommandDefinition(verdictsSql, parameters, commandTimeout: 300, cancellationToken: cancellationToken)))
            .ToDictionary(v => v.LabelId);
        return [.. counts
            .Select(r => verdicts.TryGetValue(r.LabelId, out var v)
                ? new LabelQuality(r.LabelId, r.DisplayName, r.Images, r.Abstained, v.Reviewed, v.Agreed)
                : new LabelQuality(r.LabelId, r.DisplayName, r.Images, r.Abstained, 0, 0))
            .OrderByDescending(q => q.Images)
            .ThenBy(q => q.LabelId, StringComparer.Ordinal)];
    }

    /// <summary>The taxonomy's head promotions and rollbacks, newest first.</summary>
    public async Task<IReadOnlyList<HeadPromotion>> ReadPromotionHistoryAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        const string sql = """
            SELECT version AS Version, action AS Action, changed_at AS ChangedAt FROM head_promotions
            WHERE model_id = @ModelId AND taxonomy_version = @TaxonomyVersion
            ORDER BY id DESC
            """;
        await using var connection = await store.Dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PromotionRow>(new CommandDefinition(sql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new HeadPromotion(r.Version, r.Action, LabelStore.Timestamp(r.ChangedAt)))];
    }

    internal static (string Sql, DynamicParameters Parameters) QueueSql(QueueFilter filter, QueueCursor? after, int limit)
    {
        var p = new DynamicParameters();
        p.Add("ModelId", filter.ModelId);
        p.Add("TaxonomyVersion", filter.TaxonomyVersion);
        p.Add("Limit", limit);
        var where = new StringBuilder();
        if (filter.LabelId is not null)
        {
            where.Append(" AND l.label_id = @LabelId");
            p.Add("LabelId", filter.LabelId);
        }

        if (filter.Abstained is { } abstained)
        {
            where.Append(abstained ? " AND r.abstained" : " AND NOT r.abstained");
        }

        if (filter.MinProbability > 0)
        {
            where.Append(" AND l.probability >= @MinProbability");
            p.Add("MinProbability", filter.MinProbability);
        }

        if (filter.MaxProbability < 1)
        {
            where.Append(" AND l.probability <= @MaxProbability");
            p.Add("MaxProbability", filter.MaxProbability);
        }

        switch (filter.Head)
        {
            case HeadFilter.Any:
                break;
            case HeadFilter.ZeroShot:
                where.Append(" AND r.head_version IS NULL");
                break;
            case HeadFilter.Version:
                where.Append(" AND r.head_version = @HeadVersion");
                p.Add("HeadVersion", filter.HeadVersion);
                break;
        }

        if (filter.UnreviewedOnly)
        {
            where.Append(" AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.taxonomy_version = r.taxonomy_version AND f.image_id = r.image_id)");
        }

        if (filter.From is { } from)
        {
            where.Append(" AND r.created_at >= @From");
            p.Add("From", from.ToUniversalTime());
        }

        if (filter.Until is { } until)
        {
            where.Append(" AND r.created_at < @Until");
            p.Add("Until", until.ToUniversalTime());
        }

        if (after is not null)
        {
            // Both planners seek the index to the plain bound; PostgreSQL cannot seek on the OR alone (it would read
            // the index from its start and filter), and the OR then skips the cursor's ties up to its run.
            where.Append(" AND l.probability >= @AfterProbability AND (l.probability > @AfterProbability OR (l.probability = @AfterProbability AND l.run_id > @AfterRunId))");
            p.Add("AfterProbability", after.Probability);
            p.Add("AfterRunId", after.RunId);
        }

        var order = filter.LabelId is null ? "l.probability, l.run_id" : "l.label_id, l.probability, l.run_id";
        var sql = $"""
            SELECT r.id AS RunId, r.image_id AS ImageId, i.source_uri AS SourceUri, i.etag_or_hash AS EtagOrHash, r.head_version AS HeadVersion,
                   r.abstained AS Abstained, r.abstain_reason AS AbstainReason, r.created_at AS CreatedAt,
                   l.label_id AS LabelId, l.display_name AS DisplayName, l.probability AS Probability, l.cosine AS Cosine
            FROM labels l
            JOIN label_runs r ON r.id = l.run_id
            JOIN images i ON i.id = r.image_id
            WHERE l.rank = 1 AND r.model_id = @ModelId AND r.taxonomy_version = @TaxonomyVersion{where}
              AND NOT EXISTS (
                  SELECT 1 FROM label_runs newer
                  WHERE newer.image_id = r.image_id AND newer.model_id = r.model_id AND newer.taxonomy_version = r.taxonomy_version
                    AND (newer.created_at > r.created_at OR (newer.created_at = r.created_at AND newer.id > r.id)))
            ORDER BY {order}
            LIMIT @Limit
            """;
        return (sql, p);
    }

    private async Task<Dictionary<long, IReadOnlyList<ReviewLabel>>> ReadAlternativesAsync(
        System.Data.Common.DbConnection connection, long[] runIds, CancellationToken cancellationToken, int limit = MaxAlternatives)
    {
        if (runIds.Length == 0)
        {
            return [];
        }

        var sql = $"""
            SELECT run_id AS RunId, label_id AS LabelId, display_name AS DisplayName, probability AS Probability, cosine AS Cosine, rank AS Rank
            FROM labels WHERE run_id {store.Dialect.InList("RunIds")} AND rank <= @Limit
            ORDER BY run_id, rank
            """;
        var rows = await connection.QueryAsync<LabelRowShape>(new CommandDefinition(sql, new { RunIds = runIds, Limit = limit }, cancellationToken: cancellationToken));
        return rows.GroupBy(r => r.RunId).ToDictionary(
            g => g.Key,
            g => (IReadOnlyList<ReviewLabel>)[.. g.Select(r => new ReviewLabel(r.LabelId, r.DisplayName, r.Probability, r.Cosine, (int)r.Rank))]);
    }

    private async Task<Dictionary<long, Verdict>> ReadVerdictsAsync(System.Data.Common.DbConnection connection, long[] imageIds, string taxonomyVersion, CancellationToken cancellationToken)
    {
        if (imageIds.Length == 0)
        {
            return [];
        }

        var sql = $"""
            SELECT id AS Id, image_id AS ImageId, label_id AS LabelId, taxonomy_version AS TaxonomyVersion, verified_by AS VerifiedBy,
                   verified_at AS VerifiedAt, note AS Note
            FROM feedback WHERE taxonomy_version = @TaxonomyVersion AND image_id {store.Dialect.InList("ImageIds")}
            ORDER BY id
            """;
        var rows = await connection.QueryAsync<VerdictRow>(new CommandDefinition(sql, new { TaxonomyVersion = taxonomyVersion, ImageIds = imageIds }, cancellationToken: cancellationToken));
        var latest = new Dictionary<long, Verdict>();
        foreach (var row in rows)
        {
            latest[row.ImageId] = row.ToVerdict();
        }

        return latest;
    }

#pragma warning disable CA1812 // Instantiated by Dapper.
    private sealed class SetRow
    {
        public string ModelId { get; set; } = "";

        public string TaxonomyVersion { get; set; } = "";

        public object At { get; set; } = "";
    }

    private sealed class CardRow
    {
        public long RunId { get; set; }

        public long ImageId { get; set; }

        public string SourceUri { get; set; } = "";

        public string EtagOrHash { get; set; } = "";

        public string? HeadVersion { get; set; }

        public bool Abstained { get; set; }

        public string? AbstainReason { get; set; }

        public object CreatedAt { get; set; } = "";

        public string LabelId { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public double Probability { get; set; }

        public double Cosine { get; set; }
    }

    private sealed class LabelRowShape
    {
        public long RunId { get; set; }

        public string LabelId { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public double Probability { get; set; }

        public double Cosine { get; set; }

        public long Rank { get; set; }
    }

    private sealed class VerdictRow
    {
        public long Id { get; set; }

        public long ImageId { get; set; }

        public string LabelId { get; set; } = "";

        public string TaxonomyVersion { get; set; } = "";

        public string VerifiedBy { get; set; } = "";

        public object VerifiedAt { get; set; } = "";

        public string? Note { get; set; }

        public Verdict ToVerdict() => new(Id, ImageId, LabelId, TaxonomyVersion, VerifiedBy, LabelStore.Timestamp(VerifiedAt), Note);
    }

    private sealed class RunRow
    {
        public long RunId { get; set; }

        public string ModelId { get; set; } = "";

        public string TaxonomyVersion { get; set; } = "";

        public string? HeadVersion { get; set; }

        public bool Abstained { get; set; }

        public string? AbstainReason { get; set; }

        public object CreatedAt { get; set; } = "";
    }

    private sealed class DuplicateRow
    {
        public long ImageId { get; set; }

        public string SourceUri { get; set; } = "";

        public double CosineToFirst { get; set; }

        public long GroupId { get; set; }
    }

    private sealed class QualityRow
    {
        public string LabelId { get; set; } = "";

        public string DisplayName { get; set; } = "";

        public long Images { get; set; }

        public long Abstained { get; set; }
    }

    private sealed class VerdictCountRow
    {
        public string LabelId { get; set; } = "";

        public long Reviewed { get; set; }

        public long Agreed { get; set; }
    }

    private sealed class PromotionRow
    {
        public string? Version { get; set; }

        public string Action { get; set; } = "";

        public object ChangedAt { get; set; } = "";
    }
#pragma warning restore CA1812
}
