using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Clip.Ingestion.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Ingestion.Blobs;

/// <summary>
/// Downloads allowed blobs from Azure Storage into memory. Thread-safe; create one per process and share it.
/// Reads only the account, container and blob that <see cref="BlobSourcePolicy"/> allowed, at most
/// <see cref="BlobStorageOptions.MaxConcurrentDownloads"/> at a time.
/// </summary>
public sealed class BlobImageFetcher : IDisposable
{
    private readonly BlobServiceClientCache _clients;
    private readonly SemaphoreSlim _downloadSlots;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    /// <summary>Uses the connection string when one is configured, otherwise <see cref="DefaultAzureCredential"/>.</summary>
    public BlobImageFetcher(BlobStorageOptions options, ILogger<BlobImageFetcher>? logger = null)
        : this(options, credential: null, logger)
    {
    }

    /// <summary>Uses the connection string when one is configured, otherwise <paramref name="credential"/> (or <see cref="DefaultAzureCredential"/> when null).</summary>
    public BlobImageFetcher(BlobStorageOptions options, TokenCredential? credential, ILogger<BlobImageFetcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentDownloads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Timeout, TimeSpan.Zero);
        _logger = logger ?? NullLogger<BlobImageFetcher>.Instance;
        _clients = new BlobServiceClientCache(options, credential);
        _downloadSlots = new SemaphoreSlim(options.MaxConcurrentDownloads, options.MaxConcurrentDownloads);
        _timeout = options.Timeout;

        if (_clients.ConnectionStringEndpoint is { } endpoint)
        {
            var display = AccountEndpoint.Display(endpoint);
            BlobLog.UsingConnectionString(_logger, display);
        }
        else
        {
            BlobLog.UsingTokenCredential(_logger);
        }
    }

    /// <summary>Downloads the blob <paramref name="source"/> names.</summary>
    /// <param name="source">A source <see cref="BlobSourcePolicy"/> allowed; only its allowed entry, container and blob name are used.</param>
    /// <param name="expectedETag">The event's ETag, quoted or bare; when given, only that version of the blob is read.</param>
    /// <param name="maxBytes">Largest blob accepted; no more than one byte past it is ever read into memory.</param>
    /// <param name="cancellationToken">Cancels the fetch; then <see cref="OperationCanceledException"/> is thrown, not a <see cref="BlobFetchException"/>.</param>
    /// <exception cref="BlobFetchException">The blob could not be fetched; its reason code says why and whether to retry.</exception>
    public async Task<FetchedBlob> FetchAsync(AllowedBlobSource source, string? expectedETag, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxBytes, Array.MaxLength);

        var endpoint = AccountEndpoint.Display(AccountEndpoint.Of(source));
        try
        {
            var conditions = expectedETag is null ? null : new BlobRequestConditions { IfMatch = EntityTag.Parse(expectedETag) };
            var blob = _clients.ClientFor(source);
            var fetched = await DownloadInSlotAsync(blob, conditions, maxBytes, cancellationToken).ConfigureAwait(false);
            BlobLog.Fetched(_logger, fetched.Length, source.Container, source.BlobName, endpoint);
            return fetched;
        }
        catch (BlobFetchException ex)
        {
            BlobLog.FetchFailed(_logger, source.Container, source.BlobName, endpoint, ex.ReasonCode, ex);
            throw;
        }
    }

    public void Dispose() => _downloadSlots.Dispose();

    private async Task<FetchedBlob> DownloadInSlotAsync(BlobClient blob, BlobRequestConditions? conditions, long maxBytes, CancellationToken cancellationToken)
    {
        await _downloadSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_timeout);
            try
            {
                return await DownloadAsync(blob, conditions, maxBytes, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && StorageFailure.Classify(ex, deadline.IsCancellationRequested, _timeout) is { } failure)
            {
                throw failure;
            }
        }
        finally
        {
            _downloadSlots.Release();
        }
    }

    private static async Task<FetchedBlob> DownloadAsync(BlobClient blob, BlobRequestConditions? conditions, long maxBytes, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await blob.DownloadStreamingAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            throw await SupersededOrDeletedAsync(blob, ex, cancellationToken).ConfigureAwait(false);
        }

        using var result = response.Value;
        var details = result.Details;
        if (details.ContentLength > maxBytes)
        {
            throw BoundedRead.TooLarge(maxBytes, details.ContentLength);
        }

        var content = await BoundedRead.ReadAsync(result.Content, details.ContentLength, maxBytes, cancellationToken).ConfigureAwait(false);
        return new FetchedBlob(content, EntityTag.Unquoted(details.ETag), details.ContentType);
    }

    // If-Match fails with 412 whether the blob was overwritten or deleted (Azurite at least): ask which.
    private static async Task<BlobFetchException> SupersededOrDeletedAsync(BlobClient blob, RequestFailedException conditionFailed, CancellationToken cancellationToken)
    {
        bool exists;
        try
        {
            exists = await blob.ExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException)
        {
            exists = true; // Unknown; the event's version is gone either way.
        }

        return exists
            ? new BlobFetchException(BlobFetchReason.BlobSuperseded, "The blob was overwritten after the event: its ETag no longer matches.", conditionFailed)
            : new BlobFetchException(BlobFetchReason.BlobNotFound, "The blob was deleted after the event.", conditionFailed);
    }
}
