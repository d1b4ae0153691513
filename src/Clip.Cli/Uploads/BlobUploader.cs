using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Clip.Ingestion.Blobs;

namespace Clip.Cli.Uploads;

/// <summary>A blob as the upload left it.</summary>
internal sealed record UploadedBlob(Uri Uri, string ETag, long Bytes, string ContentType, DateTimeOffset LastModified);

/// <summary>What happened to one file: <see cref="Blob"/> when it was uploaded, <see cref="Error"/> when not.</summary>
internal sealed record UploadOutcome(UploadItem Item, UploadedBlob? Blob, string? Error);

/// <summary>Uploads files to one container with bounded concurrency; a file that fails does not stop the others.</summary>
internal sealed class BlobUploader(BlobContainerClient container, bool overwrite, int concurrency)
{
    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".png"] = "image/png",
        [".webp"] = "image/webp",
        [".gif"] = "image/gif",
        [".bmp"] = "image/bmp",
    };

    /// <summary>Outcomes in the order of <paramref name="items"/>.</summary>
    public async Task<UploadOutcome[]> UploadAsync(IReadOnlyList<UploadItem> items, CancellationToken cancellationToken)
    {
        var outcomes = new UploadOutcome[items.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, items.Count), options, async (i, token) => outcomes[i] = await UploadOneAsync(items[i], token));
        return outcomes;
    }

    public static string ContentTypeOf(string fileName) =>
        ContentTypes.GetValueOrDefault(Path.GetExtension(fileName), "application/octet-stream");

    private async Task<UploadOutcome> UploadOneAsync(UploadItem item, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(item.BlobName);
        var contentType = ContentTypeOf(item.File.Name);
        var options = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            // Without --overwrite the service refuses an existing blob, so a concurrent writer cannot be clobbered either.
            Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
        };
        try
        {
            await using var content = item.File.OpenRead();
            var info = (await blob.UploadAsync(content, options, cancellationToken)).Value;
            return new UploadOutcome(item, new UploadedBlob(blob.Uri, EntityTag.Unquoted(info.ETag), content.Length, contentType, info.LastModified), null);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            return new UploadOutcome(item, null, $"blob '{item.BlobName}' already exists (pass --overwrite to replace it)");
        }
        catch (Exception e) when (CommandFailure.IsUserFacing(e))
        {
            return new UploadOutcome(item, null, CommandFailure.Describe(e));
        }
    }
}
