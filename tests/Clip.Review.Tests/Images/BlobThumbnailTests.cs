using System.Net;
using Azure.Storage.Blobs;
using Clip.Persistence;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Review.Tests.Images;

/// <summary>
/// Thumbnails of blob-sourced results come from a real Azurite, read with the app's own storage access: only from an
/// allow-listed container, and only at the ETag that was labelled.
/// </summary>
[Collection(LabelledSamplesDefinition.Name)]
public sealed class BlobThumbnailTests(LabelledSamples samples) : IAsyncLifetime, IDisposable
{
    private readonly AzuriteServer _azurite = new();
    private readonly TemporaryDirectory _temp = new();

    public Task InitializeAsync() => _azurite.InitializeAsync();

    public Task DisposeAsync() => _azurite.DisposeAsync();

    public void Dispose()
    {
        _azurite.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Thumbnail_BlobInAnAllowedContainer_IsRenderedFromTheBlob()
    {
        var container = await _azurite.CreateContainerAsync();
        var (database, imageId) = await LabelBlobAsync(container, "shapes/red-star.png");
        await using var server = await ReviewServer.StartAsync(database, Access(container));

        using var response = await server.Client.GetAsync(new Uri($"/thumbnails/{imageId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var info = Image.Identify(await response.Content.ReadAsByteArrayAsync());
        Assert.True(info.Width <= 256 && info.Height <= 256, $"{info.Width}x{info.Height}");
    }

    [Fact]
    public async Task Thumbnail_BlobOverwrittenSinceItWasLabelled_IsNotShown()
    {
        var container = await _azurite.CreateContainerAsync();
        var (database, imageId) = await LabelBlobAsync(container, "star.png");
        await container.GetBlobClient("star.png").UploadAsync(Path.Combine(samples.Samples, "blue-circle.jpg"), overwrite: true);
        await using var server = await ReviewServer.StartAsync(database, Access(container));

        using var response = await server.Client.GetAsync(new Uri($"/thumbnails/{imageId}", UriKind.Relative));

        // Another picture now has that name: showing it beside this image's labels would mislead the reviewer.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("superseded", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Thumbnail_BlobOutsideTheAllowedContainers_IsNotFetched()
    {
        var labelled = await _azurite.CreateContainerAsync();
        var allowed = await _azurite.CreateContainerAsync();
        var (database, imageId) = await LabelBlobAsync(labelled, "star.png");
        await using var server = await ReviewServer.StartAsync(database, Access(allowed));

        using var response = await server.Client.GetAsync(new Uri($"/thumbnails/{imageId}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("refused_source", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Access(BlobContainerClient container) => new()
    {
        ["Clip:Storage:ConnectionString"] = _azurite.ConnectionString,
        ["Clip:Sources:AllowedContainers:0"] = $"{_azurite.BlobEndpoint}/{container.Name}",
        ["Clip:Sources:AllowLoopbackForDevelopment"] = "true",
    };

    /// <summary>Uploads the red star as <paramref name="blobName"/> and records a labelled run of it, as the worker would, keyed by its ETag.</summary>
    private async Task<(string Database, long ImageId)> LabelBlobAsync(BlobContainerClient container, string blobName)
    {
        var blob = container.GetBlobClient(blobName);
        var uploaded = await blob.UploadAsync(Path.Combine(samples.Samples, "red-star.png"));
        var database = samples.CopyDatabase(_temp);
        await using (var store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={database}" }))
        {
            await store.WriteBatchAsync([new LabelledImage(
                blob.Uri.AbsoluteUri, Ingestion.Blobs.EntityTag.Unquoted(uploaded.Value.ETag), 1000, 64, 64, "test/model", "sha256:blob-test", null,
                [new AssignedLabel("star", "star", 30, 0.3, 0.9, 1)], false, null, new StageTimings(0, 0, 0))]);
        }

        return (database, long.Parse(Sql.Scalar(database, "SELECT id FROM images WHERE source_uri = @Uri", ("Uri", blob.Uri.AbsoluteUri))!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
