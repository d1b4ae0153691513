using Clip.Inference.Imaging;
using Clip.Ingestion.Blobs;
using Clip.Ingestion.Sources;
using Clip.Labeling;
using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>Reads the encoded bytes of an image job from where it lives, within the configured byte limits.</summary>
internal sealed class ImageFetcher(ImageLimits limits, BlobSourceOptions sources, BlobImageFetcher blobs)
{
    /// <exception cref="ImageFetchException">The image could not be read; its properties say how the message should end.</exception>
    public Task<FetchedImage> FetchAsync(ImageJob job, CancellationToken cancellationToken) => job switch
    {
        FileImageJob file => ReadFileAsync(file.File, cancellationToken),
        BlobImageJob blob => DownloadAsync(blob, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(job), job.GetType().Name, "no fetcher for this kind of job"),
    };

    /// <summary>The version an event promises for its blob (its ETag without quotes), or null when it names none.</summary>
    public static string? AnnouncedVersion(ImageJob job) =>
        job is BlobImageJob { Event.ETag: { Length: > 0 } etag } ? EntityTag.Unquoted(etag) : null;

    private async Task<FetchedImage> DownloadAsync(BlobImageJob job, CancellationToken cancellationToken)
    {
        var maxBytes = Math.Min(sources.MaxBlobBytes, limits.MaxEncodedBytes);
        try
        {
            var blob = await blobs.FetchAsync(job.Source, job.Event.ETag, maxBytes, cancellationToken);
            return new FetchedImage(blob.ContentArray(), blob.ETag);
        }
        catch (BlobFetchException e)
        {
            throw new ImageFetchException(e.ReasonCode, e.Message, CaseOf(e.ReasonCode), e);
        }
#pragma warning disable CA1031 // Anything else the storage client throws is retried like a network failure: one odd download must not stop the pipeline.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            throw new ImageFetchException("fetch_failed", $"The download failed unexpectedly: {e.GetType().Name}: {e.Message}", DispositionCase.StorageUnavailable, e);
        }
    }

    /// <summary>Which case of the failure policy a storage failure is.</summary>
    internal static DispositionCase CaseOf(string reason) => reason switch
    {
        BlobFetchReason.BlobNotFound or BlobFetchReason.BlobSuperseded => DispositionCase.SourceGone,
        BlobFetchReason.TooLarge or BlobFetchReason.InvalidETag or BlobFetchReason.InvalidRequest => DispositionCase.FetchRefused,
        // Transient failures and configuration problems (a missing role assignment) are retried, in the worker and
        // by redelivery, and end in the dead-letter queue on the last delivery if they persist.
        _ => DispositionCase.StorageUnavailable,
    };

    private async Task<FetchedImage> ReadFileAsync(FileInfo file, CancellationToken cancellationToken)
    {
        var bytes = await LocalImageFile.ReadAsync(file, limits.MaxEncodedBytes, cancellationToken);
        return new FetchedImage(bytes, LocalImageKey.ContentHash(bytes));
    }
}
