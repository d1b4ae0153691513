using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Clip.Deployment.Tests;

/// <summary>
/// The scheduled retraining job: one run at a time, never restarted in place, the workers' database, model and taxonomy,
/// but an identity, ServiceAccount and database role of its own, since it writes heads and the workers may not.
/// </summary>
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
    public async Task CronJob_SharesTheWorkersDatabaseModelAndTaxonomy()
    {
        var manifests = await Helm.RenderAsync(ChartValues.Production);
        var worker = PodSpecs.Env(PodSpecs.Container(manifests.One("Deployment"), "worker"));
        var training = PodSpecs.Env(PodSpecs.Container(manifests.One("CronJob"), "retraining"));

        // The same server and database, signed in as another role.
        static string Server(JsonObject variable) => Regex.Replace((string)variable["value"]!, "Username=[^;]*;", "");
        Assert.Equal(Server(worker["Clip__Database__ConnectionString"]), Server(training["Clip__Database__ConnectionString"]));
        Assert.NotEqual((string?)worker["Clip__Database__ConnectionString"]["value"], (string?)training["Clip__Database__ConnectionString"]["value"]);
        Assert.Equal((string?)worker["Clip__Inference__ModelPath"]["value"], (string?)training["Clip__Inference__ModelPath"]["value"]);
        Assert.Equal((string?)worker["Clip__Pipeline__Taxonomy"]["value"], (string?)training["Clip__Retraining__Taxonomy"]["value"]);
        Assert.Equal("30 2 * * *", (string?)manifests.One("CronJob")["spec"]!["schedule"]);
    }

    [Fact]
    public async Task CronJob_Entra_RunsAsItsOwnServiceAccountIdentityAndRoleWhileTheWorkersKeepTheirs()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired);
        var cronJob = manifests.One("CronJob");
        var deployment = manifests.One("Deployment");

        var training = Identity(manifests, cronJob, "retraining");
        var worker = Identity(manifests, deployment, "worker");

        Assert.Equal(("clip-clip-workers-retraining", "00000000-0000-0000-0000-0000000047a1", "clip-retraining"), training);
        Assert.Equal(("clip-clip-workers", "00000000-0000-0000-0000-00000000c11b", "clip-workers"), worker);
        Assert.Equal("retraining", (string?)manifests.Named("ServiceAccount", training.Account)["metadata"]!["labels"]!["app.kubernetes.io/component"]);
        Assert.Equal("true", (string?)PodSpecs.PodMetadata(cronJob)["labels"]!["azure.workload.identity/use"]);
    }

    [Fact]
    public async Task CronJob_ServiceAccountNamedForTheFederatedCredential_RunsAsThatOne()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("retraining.serviceAccount.name=clip-trainer"));

        Assert.Equal("clip-trainer", (string?)PodSpecs.Of(manifests.One("CronJob"))["serviceAccountName"]);
        Assert.NotNull(manifests.Named("ServiceAccount", "clip-trainer"));
        Assert.Equal("clip-clip-workers", (string?)PodSpecs.Of(manifests.One("Deployment"))["serviceAccountName"]);
    }

    [Fact]
    public async Task CronJob_ExistingServiceAccount_RunsAsItWithoutCreatingOne()
    {
        var values = ChartValues.DefaultsWithRequired.With("retraining.serviceAccount.create=false");

        var manifests = await Helm.RenderAsync(values.With("retraining.serviceAccount.name=trainer"));
        var refusal = await Helm.RefusalAsync(values);

        Assert.Equal("trainer", (string?)PodSpecs.Of(manifests.One("CronJob"))["serviceAccountName"]);
        Assert.Equal(["clip-clip-workers"], manifests.OfKind("ServiceAccount").Select(a => (string?)a["metadata"]!["name"]));
        Assert.Contains("retraining.serviceAccount.name is required when retraining.serviceAccount.create is false", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("retraining.database.username", "retraining.database.username is required with database.authentication entra while retraining.enabled")]
    [InlineData("retraining.workloadIdentity.clientId", "retraining.workloadIdentity.clientId is required while retraining.enabled with workload identity")]
    public async Task CronJob_EntraWithoutItsOwnIdentity_FailsNamingTheMissingValue(string setting, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.Without(setting));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
        Assert.Contains("Bicep output", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CronJob_SameServiceAccountAsTheWorkers_FailsNamingIt()
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With("serviceAccount.name=clip", "retraining.serviceAccount.name=clip"));

        Assert.Contains("retraining.serviceAccount.name and serviceAccount.name are both \"clip\"", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CronJob_PasswordWithTheModelInTheImage_NeedsNoIdentityAndSignsInToNothing()
    {
        var values = ChartValues.DefaultsWithRequired
            .Without("database.host").Without("database.username").Without("retraining.")
            .With("database.authentication=password", "database.connectionStringSecret.name=clip-db");

        var manifests = await Helm.RenderAsync(values);
        var cronJob = manifests.One("CronJob");

        var account = manifests.Named("ServiceAccount", (string)PodSpecs.Of(cronJob)["serviceAccountName"]!);
        Assert.Null(account["metadata"]!["annotations"]);
        Assert.Null(PodSpecs.PodMetadata(cronJob)["labels"]!["azure.workload.identity/use"]);
        Assert.Equal("true", (string?)PodSpecs.PodMetadata(manifests.One("Deployment"))["labels"]!["azure.workload.identity/use"]);
        // The model from blob storage is downloaded with the job's own identity, which it then needs.
        var initContainer = await Helm.RefusalAsync(values.With("model.source=initContainer", "model.initContainer.storageAccount=clipdev", "model.initContainer.container=models", "model.initContainer.prefix=tiny"));
        Assert.Contains("retraining.workloadIdentity.clientId is required", initContainer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RetrainingDisabled_RendersNoCronJobAndNeedsNoRetrainingIdentity()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.Without("retraining.").With("retraining.enabled=false"));

        Assert.Empty(manifests.OfKind("CronJob"));
        Assert.Single(manifests.OfKind("Deployment"));
        Assert.Equal("worker", (string?)manifests.One("ServiceAccount")["metadata"]!["labels"]!["app.kubernetes.io/component"]);
    }

    /// <summary>The ServiceAccount <paramref name="workload"/> runs as, its identity's client ID and the role it signs in to PostgreSQL as.</summary>
    private static (string Account, string? ClientId, string Role) Identity(Manifests manifests, JsonObject workload, string container)
    {
        var account = (string)PodSpecs.Of(workload)["serviceAccountName"]!;
        var clientId = (string?)manifests.Named("ServiceAccount", account)["metadata"]!["annotations"]!["azure.workload.identity/client-id"];
        var connectionString = PodSpecs.EnvValue(PodSpecs.Container(workload, container), "Clip__Database__ConnectionString");
        return (account, clientId, Regex.Match(connectionString, "Username=([^;]*);").Groups[1].Value);
    }
}
