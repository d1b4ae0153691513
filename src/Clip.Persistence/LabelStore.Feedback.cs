using System.Runtime.CompilerServices;
using Clip.Inference.Encoders;
using Dapper;

namespace Clip.Persistence;

/// <summary>Human-verified labels and the training sets read from them.</summary>
public sealed partial class LabelStore
{
    private const string ImageColumns = """
        id AS Id, source_uri AS SourceUri, etag_or_hash AS EtagOrHash, size_bytes AS SizeBytes, width AS Width, height AS Height,
        status AS Status, first_seen AS FirstSeen, last_seen AS LastSeen
        """;

    private const string FindImageSql = $"SELECT {ImageColumns} FROM images WHERE source_uri = @SourceUri AND etag_or_hash = @EtagOrHash";

    private const string FindLatestImageSql = $"""
        SELECT {ImageColumns} FROM images WHERE source_uri = @SourceUri
        ORDER BY last_seen DESC, id DESC
        LIMIT 1
        """;

    private const string InsertFeedbackSql = """
        INSERT INTO feedback (image_id, label_id, taxonomy_version, verified_by, verified_at, note)
        VALUES (@ImageId, @LabelId, @TaxonomyVersion, @VerifiedBy, @Now, @Note)
        """;

    // Feedback ids grow with every append, so the entry with no later one for its (image, taxonomy version) is the
    // latest verdict. The keyset bound is repeated on every joined table so that PostgreSQL's merge joins start at the
    // page instead of at the first image (and it keeps JIT out of per-page plans).
    private const string ReadTrainingPageSql = """
        SELECT i.id AS ImageId, i.source_uri AS SourceUri, f.label_id AS LabelId, e.vector AS Vector
        FROM feedback f
        JOIN images i ON i.id = f.image_id
        JOIN embeddings e ON e.image_id = f.image_id AND e.model_id = @ModelId
        WHERE f.taxonomy_version = @TaxonomyVersion AND f.image_id > @After AND i.id > @After AND e.image_id > @After
          AND NOT EXISTS (
              SELECT 1 FROM feedback l
              WHERE l.taxonomy_version = @TaxonomyVersion AND l.image_id = f.image_id AND l.image_id > @After AND l.id > f.id)
        ORDER BY f.image_id
        LIMIT @Limit
        """;

    private const string CountFeedbackSql = """
        SELECT f.label_id AS LabelId, COUNT(*) AS Images
        FROM feedback f
        JOIN embeddings e ON e.image_id = f.image_id AND e.model_id = @ModelId
        WHERE f.taxonomy_version = @TaxonomyVersion
          AND NOT EXISTS (SELECT 1 FROM feedback l WHERE l.taxonomy_version = @TaxonomyVersion AND l.image_id = f.image_id AND l.id > f.id)
        GROUP BY f.label_id
        ORDER BY COUNT(*) DESC, f.label_id
        """;

    public async Task<StoredImage> AddFeedbackAsync(FeedbackEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.SourceUri, nameof(entry));
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.LabelId, nameof(entry));
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.TaxonomyVersion, nameof(entry));
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.VerifiedBy, nameof(entry));

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var image = await connection.QuerySingleOrDefaultAsync<ImageRow>(new CommandDefinition(
            entry.EtagOrHash is null ? FindLatestImageSql : FindImageSql,
            new { entry.SourceUri, entry.EtagOrHash },
            transaction,
            cancellationToken: cancellationToken))
            ?? throw UnknownImageException.For(entry.SourceUri, entry.EtagOrHash);
        await connection.ExecuteAsync(new CommandDefinition(
            InsertFeedbackSql,
            new { ImageId = image.Id, entry.LabelId, entry.TaxonomyVersion, entry.VerifiedBy, Now = _time.GetUtcNow(), entry.Note },
            transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new StoredImage(image.SourceUri, image.EtagOrHash, image.SizeBytes, image.Width, image.Height, image.Status, Timestamp(image.FirstSeen), Timestamp(image.LastSeen));
    }

    public async IAsyncEnumerable<LabelledEmbedding> ReadTrainingSetAsync(
        string modelId,
        string taxonomyVersion,
        int batchSize = 1024,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);

        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var after = 0L;
        while (true)
        {
            var page = (await connection.QueryAsync<TrainingRow>(new CommandDefinition(
                ReadTrainingPageSql,
                new { ModelId = modelId, TaxonomyVersion = taxonomyVersion, After = after, Limit = batchSize },
                cancellationToken: cancellationToken))).AsList();
            foreach (var row in page)
            {
                yield return new LabelledEmbedding(row.ImageId, row.SourceUri, row.LabelId, Float32LittleEndian.Decode(row.Vector));
            }

            if (page.Count < batchSize)
            {
                yield break;
            }

            after = page[^1].ImageId;
        }
    }

    public async Task<IReadOnlyList<FeedbackCount>> CountFeedbackAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dialect.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<FeedbackCountRow>(new CommandDefinition(
            CountFeedbackSql, new { ModelId = modelId, TaxonomyVersion = taxonomyVersion }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new FeedbackCount(r.LabelId, r.Images))];
    }

#pragma warning disable CA1812 // Instantiated by Dapper.
    private sealed class TrainingRow
    {
        public long ImageId { get; set; }
        public string SourceUri { get; set; } = "";
        public string LabelId { get; set; } = "";
        public byte[] Vector { get; set; } = [];
    }

    private sealed class FeedbackCountRow
    {
        public string LabelId { get; set; } = "";
        public long Images { get; set; }
    }
#pragma warning restore CA1812
}
