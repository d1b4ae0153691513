using System.Collections.Concurrent;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Clip.Ingestion.Sources;

namespace Clip.Ingestion.Blobs;

/// <summary>One <see cref="BlobServiceClient"/> per account endpoint, built from configuration, never from an event's URL.</summary>
internal sealed class BlobServiceClientCache
{
    private readonly ConcurrentDictionary<Uri, BlobServiceClient> _clients = new();
    private readonly BlobClientOptions _clientOptions;
    private readonly BlobServiceClient? _connectionStringClient;
    private readonly Lazy<TokenCredential> _credential;

    public BlobServiceClientCache(BlobStorageOptions options, TokenCredential? credential)
    {
        _clientOptions = ClientOptions(options);
        _credential = new Lazy<TokenCredential>(() => credential ?? new DefaultAzureCredential());
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            _connectionStringClient = FromConnectionString(options.ConnectionString, _clientOptions);
        }
    }

    /// <summary>Where the connection string points, or null when blobs are read with a token credential.</summary>
    public Uri? ConnectionStringEndpoint => _connectionStringClient?.Uri;

    /// <exception cref="BlobFetchException"><see cref="BlobFetchReason.Misconfigured"/>: the connection string is for another account.</exception>
    public BlobClient ClientFor(AllowedBlobSource source)
    {
        var endpoint = AccountEndpoint.Of(source);
        BlobServiceClient service;
        if (_connectionStringClient is not null)
        {
            if (!AccountEndpoint.Same(_connectionStringClient.Uri, endpoint))
            {
                throw new BlobFetchException(
                    BlobFetchReason.Misconfigured,
                    $"{BlobStorageOptions.SectionName}:{nameof(BlobStorageOptions.ConnectionString)} is for " +
                    $"{AccountEndpoint.Display(_connectionStringClient.Uri)}, but the allowed container is in " +
                    $"{AccountEndpoint.Display(endpoint)}. Point the connection string at that account, or leave it " +
                    "empty to use the workload identity.");
            }

            service = _connectionStringClient;
        }
        else
        {
            service = _clients.GetOrAdd(endpoint, e => new BlobServiceClient(e, _credential.Value, _clientOptions));
        }

        return service.GetBlobContainerClient(source.Container).GetBlobClient(source.BlobName);
    }

    private static BlobClientOptions ClientOptions(BlobStorageOptions options)
    {
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.Mode = Azure.Core.RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = options.MaxAttempts - 1;
        clientOptions.Retry.Delay = options.RetryDelay;
        clientOptions.Retry.MaxDelay = options.MaxRetryDelay;
        clientOptions.Retry.NetworkTimeout = options.Timeout;
        return clientOptions;
    }

    private static BlobServiceClient FromConnectionString(string connectionString, BlobClientOptions clientOptions)
    {
        try
        {
            return new BlobServiceClient(connectionString, clientOptions);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string, and with it the account key: leave it out.
            throw new ArgumentException(
                $"{BlobStorageOptions.SectionName}:{nameof(BlobStorageOptions.ConnectionString)} is not a valid storage connection string.");
        }
    }
}
