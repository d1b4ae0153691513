using Azure;
using Clip.Ingestion.Blobs;

namespace Clip.Ingestion.Tests.Blobs;

/// <summary>Which storage answers the worker retries and which it settles; statuses Azurite cannot be made to return.</summary>
public sealed class StorageFailureTests
{
    [Theory]
    [InlineData(0, BlobFetchReason.Transient)]
    [InlineData(408, BlobFetchReason.Transient)]
    [InlineData(429, BlobFetchReason.Transient)]
    [InlineData(500, BlobFetchReason.Transient)]
    [InlineData(503, BlobFetchReason.Transient)]
    [InlineData(401, BlobFetchReason.AccessDenied)]
    [InlineData(403, BlobFetchReason.AccessDenied)]
    [InlineData(404, BlobFetchReason.BlobNotFound)]
    [InlineData(412, BlobFetchReason.BlobSuperseded)]
    [InlineData(400, BlobFetchReason.InvalidRequest)]
    [InlineData(409, BlobFetchReason.InvalidRequest)]
    public void Classify_ServiceStatus_GivesReason(int status, string reason)
    {
        var failure = StorageFailure.Classify(new RequestFailedException(status, "failed"), deadlinePassed: false, TimeSpan.FromSeconds(1));

        Assert.NotNull(failure);
        Assert.Equal(reason, failure.ReasonCode);
        Assert.Equal(reason == BlobFetchReason.Transient, failure.IsTransient);
    }

    [Fact]
    public void Classify_RetriesExhausted_IsTransient()
    {
        var exhausted = new AggregateException(new RequestFailedException(503, "busy"), new RequestFailedException(0, "refused"));

        Assert.True(StorageFailure.Classify(exhausted, deadlinePassed: false, TimeSpan.FromSeconds(1))?.IsTransient);
    }

    [Fact]
    public void Classify_ConnectionClosedAtOnce_IsTransientNotABug()
    {
        // What HttpClient threw, unwrapped, when a storage endpoint accepted and closed every connection.
        var closed = new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.NotConnected);

        Assert.True(StorageFailure.Classify(closed, deadlinePassed: false, TimeSpan.FromSeconds(1))?.IsTransient);
        Assert.True(StorageFailure.Classify(new HttpRequestException("reset"), deadlinePassed: false, TimeSpan.FromSeconds(1))?.IsTransient);
        Assert.True(StorageFailure.Classify(new AggregateException(closed, new RequestFailedException(0, "refused")), deadlinePassed: false, TimeSpan.FromSeconds(1))?.IsTransient);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Classify_TimedOutWithoutTheCallerCancelling_IsTransient(bool deadlinePassed)
    {
        var failure = StorageFailure.Classify(new TaskCanceledException(), deadlinePassed, TimeSpan.FromSeconds(1));

        Assert.True(failure?.IsTransient);
    }

    [Fact]
    public void Classify_ConnectionDroppedWhileReading_IsTransient() =>
        Assert.True(StorageFailure.Classify(new IOException("reset"), deadlinePassed: false, TimeSpan.FromSeconds(1))?.IsTransient);

    [Fact]
    public void Classify_UnrelatedBug_IsLetThrough() =>
        Assert.Null(StorageFailure.Classify(new InvalidOperationException("a bug"), deadlinePassed: false, TimeSpan.FromSeconds(1)));
}
