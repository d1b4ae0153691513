using Clip.Ingestion.Blobs;
using Clip.TestUtilities;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Clip.Ingestion.Tests.Blobs;

public sealed class BlobFetchingServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddClipBlobFetching(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .BuildServiceProvider();

    [Fact]
    public void AddClipBlobFetching_BindsClipStorage()
    {
        using var services = Build(new()
        {
            ["Clip:Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Clip:Storage:MaxConcurrentDownloads"] = "3",
            ["Clip:Storage:Timeout"] = "00:00:05",
        });

        var options = services.GetRequiredService<IOptions<BlobStorageOptions>>().Value;

        Assert.Equal(("UseDevelopmentStorage=true", 3, TimeSpan.FromSeconds(5)), (options.ConnectionString, options.MaxConcurrentDownloads, options.Timeout));
        Assert.Same(services.GetRequiredService<BlobImageFetcher>(), services.GetRequiredService<BlobImageFetcher>());
    }

    [Fact]
    public void AddClipBlobFetching_NoConfiguration_BuildsAFetcherOnTheWorkloadIdentity()
    {
        using var services = Build([]);

        Assert.NotNull(services.GetRequiredService<BlobImageFetcher>());
    }

    [Fact]
    public void Options_ZeroConcurrentDownloads_FailsNamingTheSetting()
    {
        using var services = Build(new() { ["Clip:Storage:MaxConcurrentDownloads"] = "0" });

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<BlobStorageOptions>>().Value);

        Assert.Contains(nameof(BlobStorageOptions.MaxConcurrentDownloads), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetcher_InvalidConnectionString_FailsWithoutQuotingIt()
    {
        var secret = "AccountName=x;AccountKey=" + AzuriteServer.AccountKey + ";Nonsense";
        using var services = Build(new() { ["Clip:Storage:ConnectionString"] = secret });

        var e = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<BlobImageFetcher>());

        Assert.Contains("Clip:Storage:ConnectionString", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteServer.AccountKey, e.ToString(), StringComparison.Ordinal);
    }
}
