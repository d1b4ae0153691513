using Clip.TestUtilities;
using Clip.Ingestion.Blobs;

namespace Clip.Ingestion.Tests.Blobs;

/// <summary>The memory guarantee that holds even when the stated length lies or the blob grows while it is read.</summary>
public sealed class BoundedReadTests
{
    [Fact]
    public async Task ReadAsync_EndlessStreamWithSmallStatedLength_FailsTooLargeAfterAtMostMaxPlusOneBytes()
    {
        var endless = new EndlessStream();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => BoundedRead.ReadAsync(endless, declaredLength: 10, maxBytes: 100_000, CancellationToken.None));

        Assert.Equal(BlobFetchReason.TooLarge, failure.ReasonCode);
        Assert.Equal(100_001, endless.BytesRead);
    }

    [Fact]
    public async Task ReadAsync_EndlessStreamWithUnknownLength_FailsTooLarge()
    {
        var endless = new EndlessStream();

        var failure = await Assert.ThrowsAsync<BlobFetchException>(
            () => BoundedRead.ReadAsync(endless, declaredLength: null, maxBytes: 1_000_000, CancellationToken.None));

        Assert.Equal(BlobFetchReason.TooLarge, failure.ReasonCode);
        Assert.Equal(1_000_001, endless.BytesRead);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    [InlineData(10L)]
    [InlineData(5000L)]
    [InlineData(1_000_000L)]
    public async Task ReadAsync_StreamWithinLimit_ReturnsExactlyItsBytesWhateverLengthWasStated(long? declaredLength)
    {
        var bytes = new byte[5000];
        Random.Shared.NextBytes(bytes);

        var read = await BoundedRead.ReadAsync(new MemoryStream(bytes), declaredLength, maxBytes: 5000, CancellationToken.None);

        Assert.Equal(bytes, read.ToArray());
    }

    [Fact]
    public async Task ReadAsync_EmptyStream_ReturnsNoBytes()
    {
        var read = await BoundedRead.ReadAsync(new MemoryStream(), declaredLength: 0, maxBytes: 0, CancellationToken.None);

        Assert.True(read.IsEmpty);
    }

    [Fact]
    public async Task ContentArray_StatedLengthRight_IsTheDownloadBufferItself()
    {
        var bytes = new byte[5000];
        Random.Shared.NextBytes(bytes);
        var read = await BoundedRead.ReadAsync(new MemoryStream(bytes), declaredLength: 5000, maxBytes: 10_000, CancellationToken.None);
        var blob = new FetchedBlob(read, "etag", null);

        var array = blob.ContentArray();

        // No second full copy of the image on the way to the decoder.
        Assert.Same(array, blob.ContentArray());
        Assert.Equal(bytes, array);
    }

    [Fact]
    public async Task ContentArray_StatedLengthTooLong_IsACopyOfJustTheBytes()
    {
        var bytes = new byte[3000];
        Random.Shared.NextBytes(bytes);
        var read = await BoundedRead.ReadAsync(new MemoryStream(bytes), declaredLength: 5000, maxBytes: 10_000, CancellationToken.None);

        var array = new FetchedBlob(read, "etag", null).ContentArray();

        Assert.Equal(bytes, array);
    }
}
