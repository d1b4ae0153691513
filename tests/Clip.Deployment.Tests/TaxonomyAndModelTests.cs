using Clip.Inference.Taxonomies;

namespace Clip.Deployment.Tests;

/// <summary>The taxonomy from a ConfigMap (a change rolls the pods) and the three model sources.</summary>
public sealed class TaxonomyAndModelTests
{
    [Fact]
    public async Task Taxonomy_FileInValues_MountedAndPassedAsTheTaxonomySetting()
    {
        var manifests = await Helm.RenderAsync(ChartValues.Production);
        var deployment = manifests.One("Deployment");
        var worker = PodSpecs.Container(deployment, "worker");

        var configMap = manifests.One("ConfigMap");
        var json = (string)configMap["data"]!["taxonomy.json"]!;
        var taxonomy = TaxonomyLoader.Parse(json, "production-values.yaml");
        Assert.Equal("pets", taxonomy.Name);
        Assert.Equal("/config/taxonomy/taxonomy.json", PodSpecs.EnvValue(worker, "Clip__Pipeline__Taxonomy"));
        var volume = PodSpecs.Of(deployment)["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "taxonomy")!;
        Assert.Equal((string?)configMap["metadata"]!["name"], (string?)volume["configMap"]!["name"]);
        Assert.Equal("taxonomy.json", (string?)volume["configMap"]!["items"]![0]!["path"]);
        Assert.Contains(worker["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == "taxonomy" && (string?)m["mountPath"] == "/config/taxonomy");
    }

    [Fact]
    public async Task Taxonomy_ContentChanges_ConfigMapChangesButWorkerPodsDoNotRestart()
    {
        using var directory = new Clip.TestUtilities.TemporaryDirectory();
        async Task<(string? Template, string? Taxonomy)> RenderAsync(string content)
        {
            var file = directory.File(Guid.NewGuid().ToString("N") + ".json");
            await File.WriteAllTextAsync(file, content);
            var manifests = await Helm.RenderAsync([.. ChartValues.DefaultsWithRequired, "--set-file", $"taxonomy.file={file}"]);
            return (manifests.One("Deployment")["spec"]!["template"]!.ToJsonString(), (string?)manifests.One("ConfigMap")["data"]!["taxonomy.json"]);
        }

        var first = await RenderAsync("""{"name":"a"}""");
        var changed = await RenderAsync("""{"name":"b"}""");

        // The worker re-reads the mounted file itself (TaxonomyReloadTests): an edit reaches it without a rollout.
        Assert.NotEqual(first.Taxonomy, changed.Taxonomy);
        Assert.Equal(first.Template, changed.Template);
    }

    [Fact]
    public async Task Taxonomy_Default_IsAShippedTaxonomyAndNoConfigMap()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired);

        var name = PodSpecs.EnvValue(PodSpecs.Container(manifests.One("Deployment"), "worker"), "Clip__Pipeline__Taxonomy");
        Assert.Contains(name, StandardTaxonomies.Names());
        Assert.Empty(manifests.OfKind("ConfigMap"));
    }

    [Fact]
    public async Task Taxonomy_ExistingConfigMap_MountsItsKey()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("taxonomy.existingConfigMap=shared-taxonomy", "taxonomy.existingConfigMapKey=pets.json"));
        var deployment = manifests.One("Deployment");

        Assert.Empty(manifests.OfKind("ConfigMap"));
        var volume = PodSpecs.Of(deployment)["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "taxonomy")!;
        Assert.Equal("shared-taxonomy", (string?)volume["configMap"]!["name"]);
        Assert.Equal("pets.json", (string?)volume["configMap"]!["items"]![0]!["key"]);
        Assert.Equal("/config/taxonomy/taxonomy.json", PodSpecs.EnvValue(PodSpecs.Container(deployment, "worker"), "Clip__Pipeline__Taxonomy"));
    }

    [Fact]
    public async Task Model_FromImage_PointsAtTheBakedBundleWithNoModelVolume()
    {
        var deployment = (await Helm.RenderAsync(ChartValues.DefaultsWithRequired)).One("Deployment");

        Assert.Equal("/app/models/model", PodSpecs.EnvValue(PodSpecs.Container(deployment, "worker"), "Clip__Inference__ModelPath"));
        Assert.DoesNotContain(PodSpecs.Of(deployment)["volumes"]!.AsArray(), v => (string?)v!["name"] == "model");
        Assert.Null(PodSpecs.Of(deployment)["initContainers"]);
    }

    [Fact]
    public async Task Model_FromPvc_MountsTheClaimReadOnly()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("model.source=pvc", "model.pvc.claimName=clip-models", "model.pvc.path=clip-vit-b32"));

        foreach (var workload in new[] { manifests.One("Deployment"), manifests.One("CronJob") })
        {
            var volume = PodSpecs.Of(workload)["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "model")!;
            Assert.Equal("clip-models", (string?)volume["persistentVolumeClaim"]!["claimName"]);
            var container = PodSpecs.Of(workload)["containers"]![0]!.AsObject();
            Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["name"] == "model" && (string?)m["mountPath"] == "/models" && (string?)m["readOnly"] == "true");
            Assert.Equal("/models/clip-vit-b32", PodSpecs.EnvValue(container, "Clip__Inference__ModelPath"));
        }
    }

    [Fact]
    public async Task Model_FromInitContainer_DownloadsIntoAnEmptyDirTheWorkerReads()
    {
        var deployment = (await Helm.RenderAsync(ChartValues.Production)).One("Deployment");
        var pod = PodSpecs.Of(deployment);

        var init = pod["initContainers"]!.AsArray().Single()!.AsObject();
        Assert.Contains("download-batch", (string?)init["args"]![0], StringComparison.Ordinal);
        Assert.Contains("--federated-token", (string?)init["args"]![0], StringComparison.Ordinal);
        Assert.Equal("clip-vit-base-patch32", PodSpecs.EnvValue(init, "MODEL_PREFIX"));
        Assert.Equal("true", (string?)init["securityContext"]!["readOnlyRootFilesystem"]);
        Assert.NotNull(pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "model")!["emptyDir"]);
        Assert.Equal("/models/clip-vit-base-patch32", PodSpecs.EnvValue(PodSpecs.Container(deployment, "worker"), "Clip__Inference__ModelPath"));
    }

    [Theory]
    [InlineData("model.source=pvc", "model.pvc.claimName is required")]
    [InlineData("model.source=initContainer", "model.initContainer.storageAccount is required")]
    public async Task Model_SourceWithoutItsSettings_FailsNamingThem(string source, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(source));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }
}
