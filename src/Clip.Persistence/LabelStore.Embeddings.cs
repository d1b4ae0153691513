using System.Runtime.CompilerServices;
using Clip.Inference.Encoders;
using Dapper;

namespace Clip.Persistence;

/// <summary>Reading embeddings back: for the search index (refreshes, deletions) and for describing its hits.</summary>
public sealed partial class LabelStore
{
    // Keyset pagination along an index: over all the model's rows by image id (ix_embeddings_model_image), or over those
    // changed since the watermark by (created_at, image_id) (ix_embeddings_model_created), so a page reads its own rows
    // and no others: ordering the few changed rows by id would walk every id, or sort all of them for every page.
    private const string ReadAllEmbeddingsSql = """
        SELECT e.image_id AS ImageId, i.source_uri AS SourceUri, e.vector AS Vector, e.created_at AS CreatedAt
        FROM embeddings e JOIN images i ON i.id = e.image_id
        WHERE e.model_id = @ModelId AND e.image_id > @After
        ORDER BY e.image_id
        LIMIT @Limit
        """;

    private const string ReadChangedEmbeddingsSql = """
        SELECT e.image_id AS ImageId, i.source_uri AS SourceUri, e.vector AS Vector, e.created_at AS CreatedAt
        FROM embeddings e JOIN images i ON i.id = e.image_id
        WHERE e.model_id = @ModelId AND (e.created_at, e.image_id) > (@AfterTime, @After)
        ORDER BY e.created_at, e.image_id
        LIMIT @Limit
        """;

    private const string ReadEmbeddedIdsSql = """
        SELECT image_id FROM embeddings WHERE model_id = @ModelId AND image_id > @After ORDER BY image_id LIMIT @Limit
        """;

    private const string CountEmbeddingsSql = "SELECT COUNT(*) FROM embeddings WHERE model_id = @ModelId";

    // Past the last row read, or inside the window before its time: a deletion committed late has a smaller id.
    private const string ReadDeletionsSql = """
        SELECT id AS Id, image_id AS ImageId, deleted_at AS DeletedAt FROM embedding_deletions
        WHERE (model_id = @ModelId OR model_id IS NULL) AND (id > @AfterId OR (@Since IS NOT NULL AND deleted_at >= @Since))
        ORDER BY id
        """;

    private const string ReadLatestDeletionSql = """
        SELECT id AS Id, image_id AS ImageId, deleted_at AS DeletedAt FROM embedding_deletions ORDER BY id DESC LIMIT 1
        """;

    private const string FindEmbeddedSql = "SELECT image_id FROM embeddings WHERE model_id = @ModelId AND image_id {0}";

    // The latest run per image (of the taxonomy, when asked), and its rank-1 label if it did not abstain.
    private const string DescribeImagesSql = """
        SELECT i.id AS ImageId, i.source_uri AS SourceUri, i.etag_or_hash AS EtagOrHash,
               l.label_id AS LabelId, l.probability AS Probability, r.taxonomy_version AS TaxonomyVersion
        FROM images i
        LEFT JOIN label_runs r ON r.id = (
            SELECT r2.id FROM label_runs r2
            WHERE r2.image_id = i.id AND r2.model_id = @ModelId AND (@TaxonomyVersion IS NULL OR r2.taxonomy_version = @TaxonomyVersion)
            ORDER BY r2.created_at DESC, r2.id DESC LIMIT 1)
        LEFT JOIN labels l ON l.run_id = r.id AND l.rank = 1
        WHERE i.id {0}
        """;

    private const string FilterImagesSql = """
        SELECT DISTINCT e.image_id FROM embeddings e
        JOIN images i ON i.id = e.image_id
        LEFT JOIN label_runs r ON r.image_id = e.image_id AND r.model_id = e.model_id
        LEFT JOIN labels l ON l.run_id = r.id AND l.rank = 1
        WHERE e.model_id = @ModelId
          AND (@TaxonomyVersion IS NULL OR r.taxonomy_version = @TaxonomyVersion)
          AND (@LabelId IS NULL OR l.label_id = @LabelId)
          AND (@Since IS NULL OR i.first_seen >= @Since)
        """;

    /// <summary>
    /// Streams a model's embeddings, <paramref name="pageSize"/> rows per query: all of them in image id order, or only
    /// those written at or after <paramref name="changedSince"/>, in the order they were written (then by id).
    /// </summary>
    public async IAsyncEnumerable<StoredEmbedding> ReadEmbeddingsAsync(
        string modelId, DateTimeOffset? changedSince, int pageSize = 2048, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        // The changed rows start just before (changedSince, 0); then each page starts after the last row's own values.
        var after = changedSince is null ? 0L : -1L;
        object? afterTime = changedSince;
        while (true)
        {
            List<EmbeddingRead> page;
            await using (var connection = await _dialect.OpenConnectionAsync(cancellationToken))
            {
                page = [.. await connection.QueryAsync<EmbeddingRead>(new CommandDefinition(
                    changedSince is null ? ReadAllEmbeddingsSql : ReadChangedEmbeddingsSql,
                    new { ModelId = modelId, AfterTime = afterTime, After = after, Limit = pageSize },
                    cancellationToken: cancellationToken))];
            }

            foreach (var row in page)
            {
                yield return new StoredEmbedding(row.ImageId, row.SourceUri, Float32LittleEndian.Decode(row.Vector), Timestamp(row.CreatedAt));
            }

            if (page.Count < pageSize)
            {
                yield break;
            }

            (after, afterTime) = (page[^1].ImageId, page[^1].CreatedAt);
        }
    }

    /// <summary>The ids of every image with an embedding from the model, ascending: how an index finds what was deleted.</summary>
    public async Task<long[]> ReadEmbeddedImageIdsAsync(string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        const int PageSize = 100_000;
        var ids = new List<long>();
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        while (true)
        {
            var page = (await connection.QueryAsync<long>(new CommandDefinition(
                ReadEmbeddedIdsSql, new { ModelId = modelId, After = ids.Count == 0 ? 0 : ids[^1], Limit = PageSize }, cancellationToken: cancellationToken))).AsList();
            ids.AddRange(page);
            if (page.Count < PageSize)
            {
                return [.. ids];
            }
        }
    }

    /// <summary>
    /// The log of the model's deleted embeddings past row <paramref name="afterId"/> or at or after
    /// <paramref name="deletedSince"/>, in log order; a row without an image id means every embedding may be gone.
    /// </summary>
    public async Task<IReadOnlyList<EmbeddingDeletion>> ReadEmbeddingDeletionsAsync(
        string modelId, long afterId, DateTimeOffset? deletedSince, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DeletionRead>(new CommandDefinition(
            ReadDeletionsSql, new { ModelId = modelId, AfterId = afterId, Since = deletedSince }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToDeletion())];
    }

    /// <summary>The newest row of the deletion log, of any model; null while it is empty.</summary>
    public async Task<EmbeddingDeletion?> ReadLatestEmbeddingDeletionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<DeletionRead>(new CommandDefinition(ReadLatestDeletionSql, cancellationToken: cancellationToken));
        return row?.ToDeletion();
    }

    /// <summary>Which of <paramref name="imageIds"/> (up to <see cref="MaxLabelledLookup"/>) have an embedding from the model.</summary>
    public async Task<IReadOnlySet<long>> FindEmbeddedAsync(IReadOnlyCollection<long> imageIds, string modelId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(imageIds.Count, MaxLabelledLookup, nameof(imageIds));
        if (imageIds.Count == 0)
        {
            return new HashSet<long>();
        }

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<long>(new CommandDefinition(
            FindEmbeddedSql.Replace("{0}", _dialect.InList("Ids"), StringComparison.Ordinal),
            new { ModelId = modelId, Ids = imageIds.ToArray() },
            cancellationToken: cancellationToken));
        return found.ToHashSet();
    }

    /// <summary>How many images have an embedding from the model.</summary>
    public async Task<long> CountEmbeddingsAsync(string modelId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(CountEmbeddingsSql, new { ModelId = modelId }, cancellationToken: cancellationToken));
    }

    /// <summary>Source, version and rank-1 label of each image still stored; ids SQL no longer has are left out.</summary>
    public async Task<IReadOnlyList<ImageSummary>> DescribeImagesAsync(
        IReadOnlyCollection<long> imageIds, string modelId, string? taxonomyVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imageIds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(imageIds.Count, MaxLabelledLookup, nameof(imageIds));
        if (imageIds.Count == 0)
        {
            return [];
        }

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ImageSummaryRow>(new CommandDefinition(
            DescribeImagesSql.Replace("{0}", _dialect.InList("Ids"), StringComparison.Ordinal),
            new { Ids = imageIds.ToArray(), ModelId = modelId, TaxonomyVersion = taxonomyVersion },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => new ImageSummary(r.ImageId, r.SourceUri, r.EtagOrHash, r.LabelId, r.Probability, r.TaxonomyVersion))];
    }

    /// <summary>The ids of the model's embedded images that pass <paramref name="filter"/>; evaluated in SQL.</summary>
    public async Task<HashSet<long>> FilterImagesAsync(string modelId, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<long>(new CommandDefinition(
            FilterImagesSql,
            new { ModelId = modelId, filter.TaxonomyVersion, filter.LabelId, filter.Since },
            cancellationToken: cancellationToken));
        return [.. ids];
    }

    private sealed class EmbeddingRead
    {
        public long ImageId { get; set; }

        public string SourceUri { get; set; } = null!;

        public byte[] Vector { get; set; } = null!;

        public object CreatedAt { get; set; } = null!;
    }

    private sealed class DeletionRead
    {
        public long Id { get; set; }

        public long? ImageId { get; set; }

        public object DeletedAt { get; set; } = null!;

        public EmbeddingDeletion ToDeletion() => new(Id, ImageId, Timestamp(DeletedAt));
    }

    private sealed class ImageSummaryRow
    {
        public long ImageId { get; set; }

        public string SourceUri { get; set; } = null!;

        public string EtagOrHash { get; set; } = null!;

        public string? LabelId { get; set; }

        public double? Probability { get; set; }

        public string? TaxonomyVersion { get; set; }
    }
}
