using System.Globalization;
using Clip.Inference.Encoders;
using Dapper;

namespace Clip.Persistence;

/// <summary>The store's reads: the duplicate check and what the CLI and tests query.</summary>
public sealed partial class LabelStore
{
    // Matches by source only, then keeps the exact (source, version) pairs: one index range per source, and the same SQL on both dialects.
    private const string FindLabelledSql = """
        SELECT i.source_uri AS SourceUri, i.etag_or_hash AS EtagOrHash FROM label_runs r JOIN images i ON i.id = r.image_id
        WHERE i.source_uri {0}
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

    public async Task<bool> IsLabelledAsync(string sourceUri, string etagOrHash, string modelId, string taxonomyVersion, string? headVersion, CancellationToken cancellationToken = default) =>
        (await FindLabelledAsync([new ImageVersion(sourceUri, etagOrHash)], modelId, taxonomyVersion, headVersion, cancellationToken)).Count > 0;

    public async Task<IReadOnlySet<ImageVersion>> FindLabelledAsync(
        IReadOnlyCollection<ImageVersion> images, string modelId, string taxonomyVersion, string? headVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(images.Count, MaxLabelledLookup, nameof(images));
        if (images.Count == 0)
        {
            return new HashSet<ImageVersion>();
        }

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ImageVersion>(new CommandDefinition(
            FindLabelledSql.Replace("{0}", _dialect.InList("SourceUris"), StringComparison.Ordinal),
            new
            {
                SourceUris = images.Select(i => i.SourceUri).Distinct(StringComparer.Ordinal).ToList(),
                ModelId = modelId,
                TaxonomyVersion = taxonomyVersion,
                HeadKey = headVersion ?? string.Empty,
            },
            cancellationToken: cancellationToken));
        var asked = images.ToHashSet();
        return rows.Where(asked.Contains).ToHashSet();
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

    private static FailureStage ParseStage(string stage) => Enum.Parse<FailureStage>(stage, ignoreCase: true);

    // SQLite hands timestamps back as text, Npgsql as UTC DateTime.
    internal static DateTimeOffset Timestamp(object value) => value switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(DateTime.SpecifyKind(d, DateTimeKind.Utc)),
        string s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        _ => throw new InvalidCastException($"Unexpected timestamp type {value.GetType()}."),
    };

    // Row shapes Dapper fills by column alias; conversions between the dialects' types happen in the setters' types.
#pragma warning disable CA1812 // Instantiated by Dapper.
    internal sealed class ImageRow
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
