using Clip.Inference.ZeroShot;

namespace Clip.Persistence;

/// <summary>
/// Labeling results in SQL, the same behaviour on SQLite and PostgreSQL; also the class matrices every worker shares.
/// </summary>
public interface ILabelStore : ISharedClassMatrixStore
{
    /// <summary>Which database this is, safe to log and to key caches by: a file path, or host and database name; never credentials.</summary>
    string Target { get; }

    /// <summary>Applies pending schema migrations in order, in one transaction; a no-op when up to date.</summary>
    /// <returns>The versions applied by this call.</returns>
    Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch in one transaction. Idempotent: writing an image again with the same model, taxonomy
    /// version and head replaces that run's labels instead of adding a second run.
    /// </summary>
    Task WriteBatchAsync(IReadOnlyList<ImageOutcome> outcomes, CancellationToken cancellationToken = default);

    /// <summary>Opens a connection and runs a trivial query: throws when the database cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Whether this exact image content already has a run for the model, taxonomy version and head.</summary>
    Task<bool> IsLabelledAsync(string sourceUri, string etagOrHash, string modelId, string taxonomyVersion, string? headVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Which of <paramref name="images"/> already have a run for the model, taxonomy version and head: one query for
    /// up to <see cref="LabelStore.MaxLabelledLookup"/> images.
    /// </summary>
    Task<IReadOnlySet<ImageVersion>> FindLabelledAsync(
        IReadOnlyCollection<ImageVersion> images, string modelId, string taxonomyVersion, string? headVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams a model's embeddings, <paramref name="pageSize"/> rows per query: all of them in image id order, or only
    /// those written at or after <paramref name="changedSince"/>, in the order they were written (then by id).
    /// </summary>
    IAsyncEnumerable<StoredEmbedding> ReadEmbeddingsAsync(string modelId, DateTimeOffset? changedSince, int pageSize = 2048, CancellationToken cancellationToken = default);

    /// <summary>The ids of every image with an embedding from the model, ascending: how an index finds what was deleted.</summary>
    Task<long[]> ReadEmbeddedImageIdsAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The log of the model's deleted embeddings past row <paramref name="afterId"/> or at or after
    /// <paramref name="deletedSince"/>, in log order; a row without an image id means every embedding may be gone.
    /// </summary>
    Task<IReadOnlyList<EmbeddingDeletion>> ReadEmbeddingDeletionsAsync(string modelId, long afterId, DateTimeOffset? deletedSince, CancellationToken cancellationToken = default);

    /// <summary>The newest row of the deletion log, of any model; null while it is empty.</summary>
    Task<EmbeddingDeletion?> ReadLatestEmbeddingDeletionAsync(CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="imageIds"/> (up to <see cref="LabelStore.MaxLabelledLookup"/>) have an embedding from the model.</summary>
    Task<IReadOnlySet<long>> FindEmbeddedAsync(IReadOnlyCollection<long> imageIds, string modelId, CancellationToken cancellationToken = default);

    /// <summary>How many images have an embedding from the model.</summary>
    Task<long> CountEmbeddingsAsync(string modelId, CancellationToken cancellationToken = default);

    /// <summary>Source, version and rank-1 label of each image still stored (up to <see cref="LabelStore.MaxLabelledLookup"/>); ids SQL no longer has are left out.</summary>
    Task<IReadOnlyList<ImageSummary>> DescribeImagesAsync(IReadOnlyCollection<long> imageIds, string modelId, string? taxonomyVersion = null, CancellationToken cancellationToken = default);

    /// <summary>The ids of the model's embedded images that pass <paramref name="filter"/>; evaluated in SQL.</summary>
    Task<HashSet<long>> FilterImagesAsync(string modelId, ImageFilter filter, CancellationToken cancellationToken = default);

    /// <summary>In one transaction, replaces the model's near-duplicate groups with <paramref name="members"/>; images deleted meanwhile are skipped.</summary>
    Task ReplaceDuplicateGroupsAsync(string modelId, IReadOnlyList<DuplicateMember> members, double minCosine, CancellationToken cancellationToken = default);

    /// <summary>The model's near-duplicate groups as last written, by group then image.</summary>
    Task<IReadOnlyList<DuplicateMember>> ReadDuplicateGroupsAsync(string modelId, CancellationToken cancellationToken = default);

    Task<StoredImage?> GetImageAsync(string sourceUri, string etagOrHash, CancellationToken cancellationToken = default);

    /// <summary>Every run of one image, each with its labels in rank order.</summary>
    Task<IReadOnlyList<StoredRun>> GetRunsAsync(string sourceUri, string etagOrHash, CancellationToken cancellationToken = default);

    /// <summary>Distinct images per label, most frequent first; null filters match everything.</summary>
    Task<IReadOnlyList<LabelCount>> CountImagesPerLabelAsync(string? modelId = null, string? taxonomyVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Failures per reason code, most frequent first.</summary>
    Task<IReadOnlyList<FailureCount>> CountFailuresByReasonAsync(CancellationToken cancellationToken = default);

    /// <summary>The most recent failures, optionally of one reason.</summary>
    Task<IReadOnlyList<StoredFailure>> GetFailuresAsync(string? reason = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>The stored embedding of an image for a model, or null.</summary>
    Task<float[]?> GetEmbeddingAsync(string sourceUri, string etagOrHash, string modelId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a human-verified label. Feedback is history: nothing is overwritten, and for training the latest
    /// entry per (image, taxonomy version) wins.
    /// </summary>
    /// <returns>The image the feedback was recorded against.</returns>
    /// <exception cref="UnknownImageException">No such image (or no such content of it) has been stored.</exception>
    Task<StoredImage> AddFeedbackAsync(FeedbackEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// Streams the training set of a model and taxonomy version: every image with feedback for the taxonomy version
    /// and an embedding from the model, with its latest verified label, in image id order. Reads
    /// <paramref name="batchSize"/> rows per query (keyset pagination), so memory stays bounded; pages are not one snapshot.
    /// </summary>
    IAsyncEnumerable<LabelledEmbedding> ReadTrainingSetAsync(string modelId, string taxonomyVersion, int batchSize = 1024, CancellationToken cancellationToken = default);

    /// <summary>Examples per label in the training set <see cref="ReadTrainingSetAsync"/> would stream, most frequent first.</summary>
    Task<IReadOnlyList<FeedbackCount>> CountFeedbackAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default);

    /// <summary>Stores a candidate head, unpromoted.</summary>
    /// <exception cref="DuplicateHeadException">The version exists already.</exception>
    Task SaveHeadAsync(StoredHead head, CancellationToken cancellationToken = default);

    /// <summary>One head with its weights, or null.</summary>
    Task<StoredHead?> GetHeadAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Heads without their weights, newest first; null filters match everything.</summary>
    Task<IReadOnlyList<HeadSummary>> ListHeadsAsync(string? modelId = null, string? taxonomyVersion = null, CancellationToken cancellationToken = default);

    /// <summary>The promoted head of a model and taxonomy version without its weights, or null for pure zero-shot: one indexed row, cheap to poll.</summary>
    Task<HeadSummary?> GetPromotedHeadAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction, demotes the promoted head of this head's model and taxonomy version, promotes this one and
    /// records it in the promotion history. A no-op when it is already promoted.
    /// </summary>
    /// <exception cref="UnknownHeadException">No such version.</exception>
    Task PromoteHeadAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>
    /// In one transaction, undoes the latest promotion still in effect: re-promotes the head promoted before the
    /// current one, or leaves none promoted (pure zero-shot) when there was none.
    /// </summary>
    /// <returns>The version promoted now, or null.</returns>
    Task<string?> RollbackHeadAsync(string modelId, string taxonomyVersion, CancellationToken cancellationToken = default);
}
