namespace Clip.Persistence;

/// <summary>Labeling results in SQL, the same behaviour on SQLite and PostgreSQL.</summary>
public interface ILabelStore
{
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
}
