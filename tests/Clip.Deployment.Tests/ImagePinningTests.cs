using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests;

/// <summary>
/// Images run by digest where it matters: a tag can be pushed again, and with <c>IfNotPresent</c> each node would keep
/// whichever build it pulled first.
/// </summary>
public sealed class ImagePinningTests
{
    private const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Production_EveryContainerImage_IsPinnedByDigest()
    {
        var manifests = await Helm.RenderAsync(ChartValues.Production);

        var images = Containers(manifests).Select(c => (Name: (string)c["name"]!, Image: (string)c["image"]!)).ToList();

        // The worker, the retraining job, and the model download in front of each.
        Assert.Equal(["download-model", "download-model", "retraining", "worker"], images.Select(i => i.Name).Order());
        Assert.All(images, i => Assert.Matches("^[a-z0-9.-]+(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$", i.Image));
    }

    [Fact]
    public async Task Image_DigestSet_RunsRepositoryAtDigestWithoutTheTag()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With(
            "image.tag=0.2.0", $"image.digest={Digest}", $"retraining.image.digest={Digest}"));

        Assert.Equal($"clip-worker@{Digest}", (string?)PodSpecs.Container(manifests.One("Deployment"), "worker")["image"]);
        Assert.Equal($"clip-training@{Digest}", (string?)PodSpecs.Container(manifests.One("CronJob"), "retraining")["image"]);
    }

    [Fact]
    public async Task Image_NoDigest_RunsTheTagOrTheChartsAppVersion()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("image.tag=0.2.0"));

        Assert.Equal("clip-worker:0.2.0", (string?)PodSpecs.Container(manifests.One("Deployment"), "worker")["image"]);
        Assert.Equal("clip-training:0.1.0", (string?)PodSpecs.Container(manifests.One("CronJob"), "retraining")["image"]);
    }

    [Theory]
    [InlineData("image.digest=sha256:0123")]
    [InlineData("image.digest=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("retraining.image.digest=latest")]
    [InlineData("model.initContainer.image.digest=sha256:0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF")]
    public async Task Digest_NotASha256Digest_IsRefusedByTheSchema(string setting)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(setting));

        Assert.Contains("does not match pattern '^$|^sha256:[0-9a-f]{64}$'", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("image.digest=", "image.digest is required while requireImageDigests is true")]
    [InlineData("retraining.image.digest=", "retraining.image.digest is required while requireImageDigests is true")]
    [InlineData("model.initContainer.image.digest=", "model.initContainer.image.digest is required while requireImageDigests is true")]
    public async Task RequireImageDigests_AnImageWithoutItsDigest_FailsNamingIt(string unpinned, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.Production.With(unpinned));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequireImageDigests_ModelBakedIntoTheImage_NeedsNoDigestForTheDownloadImage()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With(
            "requireImageDigests=true", $"image.digest={Digest}", $"retraining.image.digest={Digest}"));

        Assert.DoesNotContain(Containers(manifests), c => (string?)c["name"] == "download-model");
    }

    private static IEnumerable<JsonObject> Containers(Manifests manifests) =>
        new[] { manifests.One("Deployment"), manifests.One("CronJob") }
            .SelectMany(w => new[] { PodSpecs.Of(w)["containers"], PodSpecs.Of(w)["initContainers"] })
            .Where(list => list is not null)
            .SelectMany(list => list!.AsArray().Select(c => c!.AsObject()));
}
