namespace Clip.Deployment.Tests;

/// <summary>The scheduled retraining job: one run at a time, never restarted in place, same database and identity.</summary>
public sealed class RetrainingCronJobTests
{
    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task CronJob_RunsOneAtATime_WithTheTrainingImage(string values)
    {
        var cronJob = (await Helm.RenderAsync(ChartValues.Named(values))).One("CronJob");
        var pod = PodSpecs.Of(cronJob);
        var container = PodSpecs.Container(cronJob, "retraining");

        Assert.Equal("Forbid", (string?)cronJob["spec"]!["concurrencyPolicy"]);
        Assert.Equal("Never", (string?)pod["restartPolicy"]);
        Assert.NotNull((string?)cronJob["spec"]!["successfulJobsHistoryLimit"]);
        Assert.NotNull((string?)cronJob["spec"]!["failedJobsHistoryLimit"]);
        Assert.Equal("1", (string?)cronJob["spec"]!["jobTemplate"]!["spec"]!["backoffLimit"]);
        Assert.Matches("/?clip-training[:@]", (string?)container["image"]);
        Assert.Equal("cpu", PodSpecs.EnvValue(container, "Clip__Inference__Device"));
        Assert.Equal("true", (string?)container["securityContext"]!["readOnlyRootFilesystem"]);
    }

    [Fact]
    public async Task CronJob_PromotionGate_TakesTheMarginAndConfidenceFromValues()
    {
        var container = PodSpecs.Container(
            (await Helm.RenderAsync([.. ChartValues.DefaultsWithRequired, "--set-json", "retraining.promotionMargin=0.05", "--set-json", "retraining.confidence=0.99"])).One("CronJob"), "retraining");

        Assert.Equal(("0.05", "0.99"), (PodSpecs.EnvValue(container, "Clip__Retraining__PromotionMargin"), PodSpecs.EnvValue(container, "Clip__Retraining__Confidence")));
        Assert.Contains("/retraining/confidence", await Helm.RefusalAsync([.. ChartValues.DefaultsWithRequired, "--set-json", "retraining.confidence=1"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CronJob_ConfigurationErrorExitCode_FailsTheJobWithoutRetry()
    {
        var cronJob = (await Helm.RenderAsync(ChartValues.DefaultsWithRequired)).One("CronJob");

        var rule = cronJob["spec"]!["jobTemplate"]!["spec"]!["podFailurePolicy"]!["rules"]!.AsArray().Single(r => (string?)r!["action"] == "FailJob")!;
        Assert.Equal("retraining", (string?)rule["onExitCodes"]!["containerName"]);
        Assert.Equal(["2"], rule["onExitCodes"]!["values"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public async Task CronJob_PodEvictedByADrain_IsNotCountedAsAFailure()
    {
        var cronJob = (await Helm.RenderAsync(ChartValues.DefaultsWithRequired)).One("CronJob");

        // Kubernetes reads the rules in order: the eviction rule must come before any that could fail the job.
        var first = cronJob["spec"]!["jobTemplate"]!["spec"]!["podFailurePolicy"]!["rules"]![0]!;
        Assert.Equal("Ignore", (string?)first["action"]);
        Assert.Equal("DisruptionTarget", (string?)first["onPodConditions"]![0]!["type"]);
    }

    [Fact]
    public async Task CronJob_ProductionValues_RunsOnAUserPoolNotTheSystemPool()
    {
        var pod = PodSpecs.Of((await Helm.RenderAsync(ChartValues.Production)).One("CronJob"));

        Assert.Equal("user", (string?)pod["nodeSelector"]!["kubernetes.azure.com/mode"]);
        Assert.Null(pod["nodeSelector"]!["agentpool"]);
    }

    [Fact]
    public async Task CronJob_SharesTheWorkersDatabaseSecretModelAndTaxonomy()
    {
        var manifests = await Helm.RenderAsync(ChartValues.Production);
        var worker = PodSpecs.Env(PodSpecs.Container(manifests.One("Deployment"), "worker"));
        var training = PodSpecs.Env(PodSpecs.Container(manifests.One("CronJob"), "retraining"));

        Assert.Equal(
            worker["Clip__Database__ConnectionString"].ToJsonString(),
            training["Clip__Database__ConnectionString"].ToJsonString());
        Assert.Equal((string?)worker["Clip__Inference__ModelPath"]["value"], (string?)training["Clip__Inference__ModelPath"]["value"]);
        Assert.Equal((string?)worker["Clip__Pipeline__Taxonomy"]["value"], (string?)training["Clip__Retraining__Taxonomy"]["value"]);
        Assert.Equal("30 2 * * *", (string?)manifests.One("CronJob")["spec"]!["schedule"]);
    }

    [Fact]
    public async Task RetrainingDisabled_RendersNoCronJob()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("retraining.enabled=false"));

        Assert.Empty(manifests.OfKind("CronJob"));
        Assert.Single(manifests.OfKind("Deployment"));
    }
}
