using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Clip.Ingestion.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.Sources;
using Clip.TestUtilities;

namespace Clip.Ingestion.Tests.Blobs;

/// <summary>The fetcher against a real Azurite: what the worker gets back for each thing that can happen to a blob.</summary>
[Collection(AzuriteServerDefinition.Name)]
public sealed class BlobImageFetcherTests(AzuriteServer azurite)
{
    private const long MaxBytes = 1024 * 1024;

    [Fact]
    public async Task FetchAsync_EventETag_ReturnsExactBytesETagAndContentType()
    {
        var container = await azurite.CreateContainerAsync();
        var bytes = RandomBytes(300_000);
        var etag = await UploadAsync(container, "photos/cat 1.png", bytes, "image/png");
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Allowed(container, "photos/cat 1.png"), etag, MaxBytes, CancellationToken.None);

        Assert.Equal(bytes, fetched.Content.ToArray());
        Assert.Equal(bytes.Length, fetched.Length);
        Assert.Equal(etag, fetched.ETag);
        Assert.Equal("image/png", fetched.ContentType);
    }

    [Fact]
    public async Task FetchAsync_QuotedETagOrNone_ReturnsTheBlob()
    {
        var container = await azurite.CreateContainerAsync();
        var bytes = RandomBytes(1000);
        var etag = await UploadAsync(container, "a.jpg", bytes);
        using var fetcher = Fetcher();

        var quoted = await fetcher.FetchAsync(Allowed(container, "a.jpg"), '"' + etag + '"', MaxBytes, CancellationToken.None);
        var unconditional = await fetcher.FetchAsync(Allowed(container, "a.jpg"), expectedETag: null, MaxBytes, CancellationToken.None);

        Assert.Equal(bytes, quoted.Content.ToArray());
        Assert.Equal(bytes, unconditional.Content.ToArray());
        Assert.Equal(etag, unconditional.ETag);
    }

    [Fact]
    public async Task FetchAsync_BlobExactlyMaxBytes_ReturnsIt()
    {
        var container = await azurite.CreateContainerAsync();
        var bytes = RandomBytes(4096);
        var etag = await UploadAsync(container, "edge.bin", bytes);
        using var fetcher = Fetcher();

        var fetched = await fetcher.FetchAsync(Allowed(container, "edge.bin"), etag, maxBytes: 4096, CancellationToken.None);

        Assert.Equal(bytes, fetched.Content.ToArray());
    }

    [Fact]
    public async Task FetchAsync_DeletedBlob_FailsBlobNotFound()
    {
        var container = await azurite.CreateContainerAsync();
        var etag = await UploadAsync(container, "gone.png", RandomBytes(100));
        await container.GetBlobClient("gone.png").DeleteAsync();
        using var fetcher = Fetcher();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(container, "gone.png"), etag, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.BlobNotFound, failure.ReasonCode);
        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task FetchAsync_ContainerDoesNotExist_FailsBlobNotFound()
    {
        var missing = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("never-created");
        using var fetcher = Fetcher();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(missing, "x.png"), expectedETag: null, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.BlobNotFound, failure.ReasonCode);
    }

    [Fact]
    public async Task FetchAsync_BlobOverwrittenSinceTheEvent_FailsBlobSuperseded()
    {
        var container = await azurite.CreateContainerAsync();
        var oldETag = await UploadAsync(container, "cat.png", RandomBytes(100));
        await UploadAsync(container, "cat.png", RandomBytes(200));
        using var fetcher = Fetcher();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(container, "cat.png"), oldETag, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.BlobSuperseded, failure.ReasonCode);
        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task FetchAsync_BlobLargerThanMaxBytesAndSizeUnknown_FailsTooLarge()
    {
        var container = await azurite.CreateContainerAsync();
        var etag = await UploadAsync(container, "huge.png", RandomBytes(2 * 1024 * 1024));
        using var fetcher = Fetcher();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(container, "huge.png", eventLength: null), etag, maxBytes: 10_000, CancellationToken.None));

        Assert.Equal(BlobFetchReason.TooLarge, failure.ReasonCode);
        Assert.False(failure.IsTransient);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("W/\"0x8D\"")]
    [InlineData("\"0x1\",\"0x2\"")]
    [InlineData("0x8D 4B")]
    [InlineData("")]
    public async Task FetchAsync_MalformedEventETag_FailsInvalidETag(string etag)
    {
        var container = await azurite.CreateContainerAsync();
        await UploadAsync(container, "a.png", RandomBytes(10));
        using var fetcher = Fetcher();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(container, "a.png"), etag, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.InvalidETag, failure.ReasonCode);
        Assert.False(failure.IsTransient);
    }

    [Fact]
    public async Task FetchAsync_NothingListening_FailsTransient()
    {
        var port = PortNothingListensOn();
        var endpoint = $"http://127.0.0.1:{port}/{AzuriteServer.AccountName}";
        var options = FastFailing($"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.AccountName};AccountKey={AzuriteServer.AccountKey};BlobEndpoint={endpoint};");
        using var fetcher = new BlobImageFetcher(options);

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(endpoint, "images", "a.png"), expectedETag: null, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.Transient, failure.ReasonCode);
        Assert.True(failure.IsTransient);
    }

    [Fact]
    public async Task FetchAsync_ServerNeverAnswers_FailsTransientAfterTimeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var endpoint = $"http://127.0.0.1:{port}/{AzuriteServer.AccountName}";
        var options = FastFailing($"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.AccountName};AccountKey={AzuriteServer.AccountKey};BlobEndpoint={endpoint};");
        options.Timeout = TimeSpan.FromMilliseconds(500);
        using var fetcher = new BlobImageFetcher(options);

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(endpoint, "images", "a.png"), expectedETag: null, MaxBytes, CancellationToken.None));

        Assert.True(failure.IsTransient);
    }

    [Fact]
    public async Task FetchAsync_ConnectionStringForAnotherAccount_FailsMisconfiguredWithoutTheKey()
    {
        var otherAccount = $"http://127.0.0.1:{azurite.Port}/otheraccount";
        var logger = new RecordingLogger<BlobImageFetcher>();
        using var fetcher = new BlobImageFetcher(new BlobStorageOptions { ConnectionString = azurite.ConnectionString }, logger);

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(otherAccount, "images", "a.png"), expectedETag: null, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.Misconfigured, failure.ReasonCode);
        Assert.False(failure.IsTransient);
        Assert.Contains("otheraccount", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteServer.AccountKey, failure.Message, StringComparison.Ordinal);
        Assert.All(logger.Entries, entry => Assert.DoesNotContain(AzuriteServer.AccountKey, entry.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_WrongAccountKey_FailsAccessDeniedAndLogsNoKey()
    {
        var container = await azurite.CreateContainerAsync();
        await UploadAsync(container, "a.png", RandomBytes(10));
        var wrongKey = Convert.ToBase64String(RandomBytes(64));
        var logger = new RecordingLogger<BlobImageFetcher>();
        using var fetcher = new BlobImageFetcher(new BlobStorageOptions { ConnectionString = azurite.ConnectionStringFor(wrongKey) }, logger);

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => fetcher.FetchAsync(Allowed(container, "a.png"), expectedETag: null, MaxBytes, CancellationToken.None));

        Assert.Equal(BlobFetchReason.AccessDenied, failure.ReasonCode);
        Assert.False(failure.IsTransient);
        Assert.NotEmpty(logger.Entries);
        Assert.All(logger.Entries, entry => Assert.DoesNotContain(wrongKey, entry.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task FetchAsync_CallerCancels_ThrowsOperationCanceled()
    {
        var container = await azurite.CreateContainerAsync();
        await UploadAsync(container, "a.png", RandomBytes(10));
        using var fetcher = Fetcher();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => fetcher.FetchAsync(Allowed(container, "a.png"), expectedETag: null, MaxBytes, cancelled.Token));
    }

    [Fact]
    public async Task FetchAsync_32ParallelFetches_EachReturnsItsOwnBlob()
    {
        var container = await azurite.CreateContainerAsync();
        var blobs = await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            var bytes = RandomBytes(20_000 + i);
            var etag = await UploadAsync(container, $"batch/{i}.png", bytes);
            return (Name: $"batch/{i}.png", Bytes: bytes, ETag: etag);
        }));
        using var fetcher = Fetcher();

        var fetched = await Task.WhenAll(blobs.Select(b => fetcher.FetchAsync(Allowed(container, b.Name), b.ETag, MaxBytes, CancellationToken.None)));

        for (var i = 0; i < blobs.Length; i++)
        {
            Assert.Equal(blobs[i].Bytes, fetched[i].Content.ToArray());
            Assert.Equal(blobs[i].ETag, fetched[i].ETag);
        }
    }

    private BlobImageFetcher Fetcher() => new(new BlobStorageOptions { ConnectionString = azurite.ConnectionString });

    private static BlobStorageOptions FastFailing(string connectionString) => new()
    {
        ConnectionString = connectionString,
        MaxAttempts = 2,
        RetryDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Goes through the same policy the worker uses, so the fetcher sees what it will see in production.</summary>
    private static AllowedBlobSource Allowed(BlobContainerClient container, string blobName, long? eventLength = null) =>
        Allowed(container.Uri.GetLeftPart(UriPartial.Path)[..^(container.Name.Length + 1)], container.Name, blobName, eventLength);

    private static AllowedBlobSource Allowed(string accountEndpoint, string container, string blobName, long? eventLength = null)
    {
        var options = new BlobSourceOptions { AllowLoopbackForDevelopment = true, MaxBlobBytes = long.MaxValue };
        options.AllowedContainers.Add($"{accountEndpoint}/{container}");
        var url = new Uri($"{accountEndpoint}/{container}/{string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString))}");
        var blobEvent = new BlobCreatedEvent("id", url, container, blobName, ETag: null, eventLength, ContentType: null, Api: "PutBlob");
        return new BlobSourcePolicy(options).Validate(blobEvent);
    }

    private static async Task<string> UploadAsync(BlobContainerClient container, string name, byte[] bytes, string contentType = "application/octet-stream")
    {
        var response = await container.GetBlobClient(name).UploadAsync(
            new BinaryData(bytes),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = contentType } });
        return response.Value.ETag.ToString().Trim('"');
    }

    private static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static int PortNothingListensOn()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
