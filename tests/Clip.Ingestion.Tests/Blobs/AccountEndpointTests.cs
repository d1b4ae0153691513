using Clip.Ingestion.Blobs;
using Clip.Ingestion.Sources;

namespace Clip.Ingestion.Tests.Blobs;

/// <summary>The fetcher's client comes from the configured entry: these are the accounts it would talk to.</summary>
public sealed class AccountEndpointTests
{
    [Theory]
    [InlineData("https://acct.blob.core.windows.net/images", "images", "https://acct.blob.core.windows.net/")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/images", "images", "http://127.0.0.1:10000/devstoreaccount1")]
    public void Of_AllowedEntry_IsTheEntryWithoutItsContainer(string entry, string container, string expected)
    {
        // The event's URL names another host: it must play no part.
        var source = new AllowedBlobSource(new Uri("https://evil.example/images/a.png"), entry, container, "a.png");

        Assert.Equal(new Uri(expected), AccountEndpoint.Of(source));
    }

    [Fact]
    public void Of_ContainerNotInEntry_Throws()
    {
        var source = new AllowedBlobSource(new Uri("https://acct.blob.core.windows.net/other/a.png"), "https://acct.blob.core.windows.net/images", "other", "a.png");

        Assert.Throws<ArgumentException>(() => AccountEndpoint.Of(source));
    }
}
