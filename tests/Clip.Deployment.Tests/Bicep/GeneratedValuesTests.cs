using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>
/// The chart's production values come from the infrastructure: the compiled template's outputs, as Azure would report
/// them for a production deployment, go through <c>infra/make-values.py</c>, and the chart rendered with the result
/// talks to exactly what the template creates.
/// </summary>
[Collection(CompiledInfrastructureDefinition.Name)]
public sealed class GeneratedValuesTests(CompiledInfrastructure infrastructure)
{
    private static readonly (string, JsonNode?)[] ProductionParameters =
    [
        ("storageAccountName", "clipprodimages"),
        ("serviceBusNamespaceName", "clip-prod-bus"),
        ("postgresServerName", "clip-prod-pg"),
        ("deployGpuNodePool", true),
        ("aksClusterName", "aks-prod"),
        ("deployReview", true),
    ];

    /// <summary>What the infrastructure cannot know about the review app: turning it on, and its app registration.</summary>
    private static readonly string[] ReviewSignIn =
    [
        "--set", "review.enabled=true",
        "--set", "review.azureAd.tenantId=00000000-0000-0000-0000-00000000ffff",
        "--set", "review.azureAd.clientId=00000000-0000-0000-0000-00000000a991",
    ];

    [Fact]
    public async Task MakeValues_ProductionOutputs_WritesTheCommittedInfrastructureValues()
    {
        var generated = await MakeValuesAsync(infrastructure.Deploy(ProductionParameters).Outputs());

        var committed = await File.ReadAllTextAsync(Helm.InfrastructureValues);
        if (generated != committed)
        {
            var fresh = Path.Combine(Path.GetTempPath(), "infrastructure-values.yaml");
            await File.WriteAllTextAsync(fresh, generated);
            Assert.Fail($"charts/clip-workers/ci/infrastructure-values.yaml is not what infra/make-values.py writes from the template's outputs; the fresh output is in {fresh}");
        }
    }

    [Fact]
    public async Task Chart_RenderedWithGeneratedValues_TalksToWhatTheTemplateCreates()
    {
        var deployment = infrastructure.Deploy(ProductionParameters);
        var outputs = deployment.Outputs();
        string Output(string name) => (string)outputs[name]!["value"]!;

        var manifests = await Helm.RenderAsync(ChartValues.Production);
        var pod = PodSpecs.Of(manifests.One("Deployment"));
        var worker = PodSpecs.Container(manifests.One("Deployment"), "worker");

        // KEDA signs in as the identity the template federates with its operator and grants Data Owner on the queue.
        Assert.Equal(Output("kedaIdentityClientId"), (string?)manifests.One("TriggerAuthentication")["spec"]!["podIdentity"]!["identityId"]);
        Assert.Equal(Output("workloadIdentityClientId"), ClientId(manifests, PodSpecs.Of(manifests.One("Deployment"))));

        // The retraining job signs in as its own identity, to the role the template names for it.
        var training = PodSpecs.Container(manifests.One("CronJob"), "retraining");
        Assert.Equal(Output("retrainingIdentityClientId"), ClientId(manifests, PodSpecs.Of(manifests.One("CronJob"))));
        Assert.Contains($";Username={Output("postgresRetrainerRole")};", PodSpecs.EnvValue(training, "Clip__Database__ConnectionString"), StringComparison.Ordinal);
        Assert.Contains($";Username={Output("postgresWorkerRole")};", PodSpecs.EnvValue(worker, "Clip__Database__ConnectionString"), StringComparison.Ordinal);

        // The namespace, queue and containers the worker uses exist in the template.
        string[] named = ["Microsoft.ServiceBus/namespaces", "Microsoft.ServiceBus/namespaces/queues", "Microsoft.Storage/storageAccounts/blobServices/containers"];
        var resources = deployment.AllResources().Where(r => named.Contains(r.Type)).Select(r => (r.Type, Name: (string?)r.Evaluate("name"))).ToList();
        var fqdn = PodSpecs.EnvValue(worker, "Clip__ServiceBus__FullyQualifiedNamespace");
        var queue = PodSpecs.EnvValue(worker, "Clip__ServiceBus__QueueName");
        Assert.Contains(("Microsoft.ServiceBus/namespaces", fqdn.Split('.')[0]), resources);
        Assert.Contains(("Microsoft.ServiceBus/namespaces/queues", $"{fqdn.Split('.')[0]}/{queue}"), resources);
        var allowed = new Uri(PodSpecs.EnvValue(worker, "Clip__Sources__AllowedContainers__0"));
        Assert.Equal("clipprodimages.blob.core.windows.net", allowed.Host);
        Assert.Contains(("Microsoft.Storage/storageAccounts/blobServices/containers", $"clipprodimages/default{allowed.AbsolutePath}"), resources);
        Assert.DoesNotContain("Clip__Sources__AllowedContainers__1", PodSpecs.Env(worker).Keys);

        // The model comes from the models container, which the workers' identity may read (InfrastructureTemplateTests).
        var init = pod["initContainers"]!.AsArray().Single()!.AsObject();
        var account = PodSpecs.EnvValue(init, "MODEL_ACCOUNT");
        var container = PodSpecs.EnvValue(init, "MODEL_CONTAINER");
        Assert.Contains(("Microsoft.Storage/storageAccounts/blobServices/containers", $"{account}/default/{container}"), resources);
        Assert.Equal(Output("modelsContainerName"), container);

        // Workers land on the pool's own nodes, no more of them than it has GPUs.
        Assert.Equal("clip-gpu", (string?)pod["nodeSelector"]!["workload"]);
        Assert.Equal(outputs["gpuMaxCount"]!["value"]!.ToJsonString(), (string?)manifests.One("ScaledObject")["spec"]!["maxReplicaCount"]);

        // Each worker's requests fit its share of the pool's node: a Standard_NC4as_T4_v3 has 4 vCPUs and 28 GiB;
        // AKS keeps 140m and min(20 MB x 250 pods + 50 MB, 25 %) + 100 Mi; the DaemonSets request 500m and 1 Gi.
        Assert.Equal("Standard_NC4as_T4_v3", Output("gpuVmSize"));
        var requests = worker["resources"]!["requests"]!;
        Assert.True(MilliCpu((string)requests["cpu"]!) <= 4000 - 140 - 500, $"cpu request {requests["cpu"]}");
        Assert.True(Mebibytes((string)requests["memory"]!) <= (28 * 1024) - Math.Min((20 * 250) + 50, 28 * 1024 / 4) - 100 - 1024, $"memory request {requests["memory"]}");
    }

    [Theory]
    [InlineData("clip")]
    [InlineData("clip-workers")]
    [InlineData("labels-prod")]
    public async Task Chart_AnyReleaseName_RunsEachWorkloadAsTheServiceAccountItsIdentityTrusts(string release)
    {
        var resources = infrastructure.Deploy(ProductionParameters).AllResources().ToList();
        string? Subject(string identity) => (string?)Assert.Single(
            resources,
            r => r.Type == "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials"
                && (string?)r.Template.Parameter("identityName") == identity).Evaluate("properties")!["subject"];

        var manifests = await Helm.RenderReleaseAsync(release, [.. ChartValues.Production, .. ReviewSignIn]);
        var deployments = manifests.OfKind("Deployment").ToDictionary(d => (string)d["metadata"]!["labels"]!["app.kubernetes.io/component"]!);

        // helm renders into ChartValues.ProductionNamespace, which the chart checks against workloadIdentity.namespace.
        foreach (var (identity, workload) in new[] { ("clip-workers", deployments["worker"]), ("clip-retraining", manifests.One("CronJob")), ("clip-review", deployments["review"]) })
        {
            var account = (string)PodSpecs.Of(workload)["serviceAccountName"]!;
            Assert.Equal(Subject(identity), $"system:serviceaccount:{ChartValues.ProductionNamespace}:{account}");
            Assert.Single(manifests.OfKind("ServiceAccount"), a => (string?)a["metadata"]!["name"] == account);
        }
    }

    [Fact]
    public async Task Chart_ReviewAppOnGeneratedValues_SignsInAsTheReviewIdentityToItsRoleAndReadsTheImagesContainer()
    {
        var deployment = infrastructure.Deploy(ProductionParameters);
        var outputs = deployment.Outputs();
        string Output(string name) => (string)outputs[name]!["value"]!;

        // The generated values carry the review app's identity, ServiceAccount and role; only the sign-in is added.
        var manifests = await Helm.RenderAsync([.. ChartValues.Production, .. ReviewSignIn]);
        var review = manifests.OfKind("Deployment").Single(d => (string?)d["metadata"]!["labels"]!["app.kubernetes.io/component"] == "review");
        var container = PodSpecs.Container(review, "review");

        Assert.Equal(Output("reviewIdentityClientId"), ClientId(manifests, PodSpecs.Of(review)));
        Assert.Equal(Output("kubernetesReviewServiceAccountName"), (string?)PodSpecs.Of(review)["serviceAccountName"]);
        Assert.Contains($";Username={Output("postgresReviewerRole")};", PodSpecs.EnvValue(container, "Clip__Database__ConnectionString"), StringComparison.Ordinal);
        Assert.Equal(Output("imagesContainerUrl"), PodSpecs.EnvValue(container, "Clip__Sources__AllowedContainers__0"));
        Assert.NotEqual(Output("reviewIdentityClientId"), PodSpecs.EnvValue(container, "AzureAd__ClientId"));
    }

    [Fact]
    public async Task MakeValues_OutputsWithoutTheReviewIdentity_WritesNoReviewValues()
    {
        var generated = await MakeValuesAsync(infrastructure.Deploy([.. ProductionParameters, ("deployReview", false)]).Outputs());

        Assert.DoesNotContain("review:", generated, StringComparison.Ordinal);
        Assert.Contains("retraining:", generated, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MakeValues_PrivateOutputs_GivesTheNetworkPolicyTheSubnetsTheTemplateCreates()
    {
        var deployment = infrastructure.Deploy(
        [
            .. ProductionParameters,
            ("networkMode", "private"),
            ("virtualNetworkName", "aks-vnet"),
            ("privateEndpointSubnetPrefix", "10.224.16.0/27"),
            ("postgresSubnetPrefix", "10.224.16.32/28"),
        ]);
        using var temp = new TemporaryDirectory();
        var values = temp.File("infrastructure-values.yaml");
        await File.WriteAllTextAsync(values, await MakeValuesAsync(deployment.Outputs()));

        var manifests = await Helm.RenderAsync(
        [
            "--namespace", ChartValues.ProductionNamespace, "-f", values, "-f", Helm.ProductionValues,
            "--set", "networkPolicy.enabled=true", "--set-json", "networkPolicy.entraCidrs=[\"0.0.0.0/0\"]",
            "--set-json", """networkPolicy.otlp.to=[{"podSelector":{"matchLabels":{"app":"otel-collector"}}}]""",
        ]);

        var subnets = deployment.AllResources().Where(r => r.Type == "Microsoft.Network/virtualNetworks/subnets")
            .ToDictionary(r => (string)r.Evaluate("name")!, r => (string?)r.Evaluate("properties")!["addressPrefix"]);
        var portsByCidr = manifests.One("NetworkPolicy")["spec"]!["egress"]!.AsArray()
            .Where(rule => rule!["to"]![0]!["ipBlock"] is not null)
            .ToDictionary(
                rule => (string)rule!["to"]![0]!["ipBlock"]!["cidr"]!,
                rule => string.Join(',', rule!["ports"]!.AsArray().Select(p => (string?)p!["port"])));
        Assert.Equal("443,5671,5672", portsByCidr[subnets["aks-vnet/clip-private-endpoints"]!]);
        Assert.Equal("5432", portsByCidr[subnets["aks-vnet/clip-postgres"]!]);
    }

    [Fact]
    public async Task MakeValues_OutputsOfAnOlderTemplate_FailsNamingWhatIsMissing()
    {
        var outputs = infrastructure.Deploy(ProductionParameters).Outputs();
        outputs.Remove("kedaIdentityClientId");
        outputs.Remove("kubernetesServiceAccountName");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => MakeValuesAsync(outputs));

        Assert.Contains("the outputs lack kubernetesServiceAccountName, kedaIdentityClientId", failure.Message, StringComparison.Ordinal);
    }

    /// <summary>The client ID on the ServiceAccount <paramref name="pod"/> runs as.</summary>
    private static string? ClientId(Manifests manifests, JsonObject pod) =>
        (string?)manifests.Named("ServiceAccount", (string)pod["serviceAccountName"]!)["metadata"]!["annotations"]!["azure.workload.identity/client-id"];

    private static int MilliCpu(string quantity) =>
        quantity.EndsWith('m') ? int.Parse(quantity[..^1], CultureInfo.InvariantCulture) : (int)(double.Parse(quantity, CultureInfo.InvariantCulture) * 1000);

    private static int Mebibytes(string quantity) =>
        quantity.EndsWith("Gi", StringComparison.Ordinal) ? int.Parse(quantity[..^2], CultureInfo.InvariantCulture) * 1024 : int.Parse(quantity.TrimEnd('M', 'i'), CultureInfo.InvariantCulture);

    /// <summary>Runs <c>infra/make-values.py</c> on <paramref name="outputs"/>; its standard output, or its error as the exception.</summary>
    private static async Task<string> MakeValuesAsync(JsonObject outputs)
    {
        using var temp = new TemporaryDirectory();
        var file = temp.File("outputs.json");
        await File.WriteAllTextAsync(file, outputs.ToJsonString());
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(TestPaths.RepositoryRoot, "infra", "make-values.py"));
        start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return process.ExitCode == 0 ? await output : throw new InvalidOperationException(await error);
    }
}
