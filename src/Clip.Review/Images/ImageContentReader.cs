using Clip.Ingestion.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.Sources;
using Clip.Labeling;
using Clip.Persistence.Review;

namespace Clip.Review.Images;

/// <summary>
/// Reads the stored bytes of an image that is in the results database, from where its source URI says: a local file
/// for <c>file://</c> results, or a blob in an allow-listed container (<c>Clip:Sources</c>) read with the app's own
/// identity, at the ETag that was labelled. Nothing else is ever read: the URI comes from SQL, never from a request.
/// </summary>
public sealed class ImageContentReader(BlobSourcePolicy? blobSources, BlobImageFetcher? blobs, long maxBytes)
{
    /// <summary>The image's bytes.</summary>
    /// <exception cref="ImageUnavailableException">The file or blob is gone, changed, refused or unreadable.</exception>
    public async Task<byte[]> ReadAsync(ReviewImage image, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!Uri.TryCreate(image.SourceUri, UriKind.Absolute, out var uri))
        {
            throw new ImageUnavailableException("unreadable_source", "The stored source is not an absolute URI.");
        }

        if (uri.IsFile)
        {
            try
            {
                return await LocalImageFile.ReadAsync(new FileInfo(uri.LocalPath), maxBytes, cancellationToken);
            }
            catch (ImageFetchException e)
            {
                throw new ImageUnavailableException(e.Reason, e.Message, e);
            }
        }

        if (blobSources is null || blobs is null)
        {
            throw new ImageUnavailableException("no_blob_access", "Blob sources are not configured (Clip:Sources:AllowedContainers).");
        }

        var source = Allow(blobSources, uri, accountInPath: false) ?? Allow(blobSources, uri, accountInPath: true)!;

        try
        {
            // A local image's key is its content hash; a blob's is the ETag it had when labelled.
            var fetched = await blobs.FetchAsync(source, image.EtagOrHash, maxBytes, cancellationToken);
            return fetched.ContentArray();
        }
        catch (BlobFetchException e)
        {
            throw new ImageUnavailableException(e.ReasonCode, e.Message, e);
        }
    }

    // The policy derives container and blob name from the URL itself and refuses any disagreement with the event's; an
    // account in the path (path-style endpoints such as Azurite's) moves them one segment on, so both readings are put
    // to it: the URL passes only if one of them is an allowed container's.
    private static AllowedBlobSource? Allow(BlobSourcePolicy policy, Uri uri, bool accountInPath)
    {
        var segments = uri.AbsolutePath.TrimStart('/').Split('/', accountInPath ? 3 : 2);
        var offset = accountInPath ? 1 : 0;
        var container = segments.Length > offset ? Uri.UnescapeDataString(segments[offset]) : string.Empty;
        var blobName = segments.Length > offset + 1 ? string.Join('/', segments[offset + 1].Split('/').Select(Uri.UnescapeDataString)) : string.Empty;
        try
        {
            return policy.Validate(new BlobCreatedEvent("review", uri, container, blobName, ETag: null, ContentLength: null, ContentType: null, Api: null));
        }
        catch (RefusedSourceException e) when (e.ReasonCode == RefusedSourceReason.EventMismatch && !accountInPath)
        {
            return null;
        }
        catch (RefusedSourceException e)
        {
            throw new ImageUnavailableException("refused_source", e.Message, e);
        }
    }
}

/// <summary>An image in the database whose bytes cannot be read now; <see cref="Reason"/> is a short code.</summary>
public sealed class ImageUnavailableException : Exception
{
    public ImageUnavailableException()
    {
        Reason = "unavailable";
    }

    public ImageUnavailableException(string message)
        : base(message)
    {
        Reason = "unavailable";
    }

    public ImageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = "unavailable";
    }

    public ImageUnavailableException(string reason, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
    }

    public string Reason { get; }
}
