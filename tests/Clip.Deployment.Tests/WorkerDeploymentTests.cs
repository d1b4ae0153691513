using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests;

/// <summary>The worker Deployment as rendered: GPU placement, probes, lock-down, secrets, shutdown and identity.</summary>
public sealed class WorkerDeploymentTests
{
    private static async Task<(Manifests Manifests, JsonObject Deployment, JsonObject Worker)> RenderAsync(string values, params string[] sets)
    {
        var manifests = await Helm.RenderAsync(ChartValues.Named(values).With(sets));
        var deployment = manifests.One("Deployment");
        return (manifests, deployment, PodSpecs.Container(deployment, "worker"));
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Worker_RequestsAndLimitsOneGpu(string values)
    {
        var (_, _, worker) = await RenderAsync(values);

        Assert.Equal("1", (string?)worker["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("1", (string?)worker["resources"]!["requests"]!["nvidia.com/gpu"]);
    }

    [Fact]
    public async Task Worker_GpuCountZero_RequestsNoGpu()
    {
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), "gpu.count=0", "inference.device=cpu");

        Assert.Null(worker["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Null(worker["resources"]!["requests"]!["nvidia.com/gpu"]);
        Assert.Equal("cpu", PodSpecs.EnvValue(worker, "Clip__Inference__Device"));
    }

    [Fact]
    public async Task Worker_JpegDecode_DefaultsToFastAndCanBeExact()
    {
        var (_, _, byDefault) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired));
        var (_, _, exact) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), "inference.jpegDecode=exact");

        Assert.Equal("fast", PodSpecs.EnvValue(byDefault, "Clip__Images__JpegDecode"));
        Assert.Equal("exact", PodSpecs.EnvValue(exact, "Clip__Images__JpegDecode"));
    }

    [Fact]
    public async Task Worker_Precision_DefaultsToFp32AndReachesTheWorkerAndTheRetrainingJob()
    {
        var byDefault = await Helm.RenderAsync(ChartValues.DefaultsWithRequired);
        var int8 = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("inference.precision=int8"));

        Assert.Equal("fp32", PodSpecs.EnvValue(PodSpecs.Container(byDefault.One("Deployment"), "worker"), "Clip__Inference__Precision"));
        Assert.Equal("int8", PodSpecs.EnvValue(PodSpecs.Container(int8.One("Deployment"), "worker"), "Clip__Inference__Precision"));
        Assert.Equal("int8", PodSpecs.EnvValue(PodSpecs.Container(int8.One("CronJob"), "retraining"), "Clip__Inference__Precision"));
    }

    [Fact]
    public async Task Worker_PrecisionAuto_IsRefusedWhileRetrainingWouldResolveItOtherwise()
    {
        var withRetraining = await Helm.TemplateAsync(ChartValues.DefaultsWithRequired.With("inference.precision=auto"));
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), "inference.precision=auto", "retraining.enabled=false");

        Assert.NotEqual(0, withRetraining.ExitCode);
        Assert.Contains("inference.precision auto resolves per node", withRetraining.Output, StringComparison.Ordinal);
        Assert.Equal("auto", PodSpecs.EnvValue(worker, "Clip__Inference__Precision"));
        Assert.Contains("/inference/precision", await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With("inference.precision=int4")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_MaxDeliveryCountMatchesTheQueuesAndTheRetryBudgetIsPassedOn()
    {
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired));
        var bicep = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepositoryRoot, "infra", "main.bicep"));

        var queueDefault = Regex.Match(bicep, @"param queueMaxDeliveryCount int = (\d+)").Groups[1].Value;
        Assert.Equal(queueDefault, PodSpecs.EnvValue(worker, "Clip__ServiceBus__MaxDeliveryCount"));
        Assert.Equal("00:05:00", PodSpecs.EnvValue(worker, "Clip__Pipeline__RetryBudget"));
        Assert.True(
            TimeSpan.Parse(PodSpecs.EnvValue(worker, "Clip__Pipeline__RetryBudget"), CultureInfo.InvariantCulture)
            < TimeSpan.Parse(PodSpecs.EnvValue(worker, "Clip__ServiceBus__MaxLockRenewalDuration"), CultureInfo.InvariantCulture),
            "the retry budget ends before the lock renewal does");
    }

    [Fact]
    public async Task Worker_DecodeMemoryBudget_IsSetInBytesAndKeptWithinHalfTheMemoryLimit()
    {
        var (_, _, byDefault) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired));
        var (_, _, smaller) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), "resources.limits.memory=3000Mi", "inference.decodeMemoryBudgetMi=1500");
        var tooLarge = await Helm.TemplateAsync(ChartValues.DefaultsWithRequired.With("resources.limits.memory=3Gi", "inference.decodeMemoryBudgetMi=2048"));

        Assert.Equal((1024L << 20).ToString(CultureInfo.InvariantCulture), PodSpecs.EnvValue(byDefault, "Clip__Images__DecodeMemoryBudget"));
        Assert.Equal((1500L << 20).ToString(CultureInfo.InvariantCulture), PodSpecs.EnvValue(smaller, "Clip__Images__DecodeMemoryBudget"));
        Assert.NotEqual(0, tooLarge.ExitCode);
        Assert.Contains("decodeMemoryBudgetMi (2048) must be at most half of resources.limits.memory (3Gi = 3072 Mi)", tooLarge.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Worker_SchedulesOntoTheTaintedGpuPool(string values)
    {
        var (_, deployment, _) = await RenderAsync(values);
        var pod = PodSpecs.Of(deployment);

        Assert.Equal("nvidia", (string?)pod["nodeSelector"]!["kubernetes.azure.com/accelerator"]);
        var tolerations = pod["tolerations"]!.AsArray().Select(t => t!.AsObject()).ToList();
        Assert.Contains(tolerations, t => (string?)t["key"] == "sku" && (string?)t["value"] == "gpu" && (string?)t["effect"] == "NoSchedule");
        Assert.Contains(tolerations, t => (string?)t["key"] == "nvidia.com/gpu" && (string?)t["operator"] == "Exists");
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Worker_ProbesTheHealthEndpointsOnPort8080(string values)
    {
        var (_, _, worker) = await RenderAsync(values);

        var port = worker["ports"]!.AsArray().Single()!;
        Assert.Equal("http", (string?)port["name"]);
        Assert.Equal("8080", (string?)port["containerPort"]);
        Assert.Equal("http://+:8080", PodSpecs.EnvValue(worker, "Urls"));
        Assert.Equal("/healthz/live", (string?)worker["livenessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz/ready", (string?)worker["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz/live", (string?)worker["startupProbe"]!["httpGet"]!["path"]);
        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            Assert.Equal("http", (string?)worker[probe]!["httpGet"]!["port"]);
        }
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Worker_RunsLockedDownWithWritableTmpAndCacheOnly(string values)
    {
        var (_, deployment, worker) = await RenderAsync(values);
        var pod = PodSpecs.Of(deployment);

        Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);
        Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
        var security = worker["securityContext"]!;
        Assert.Equal("false", (string?)security["allowPrivilegeEscalation"]);
        Assert.Equal("true", (string?)security["readOnlyRootFilesystem"]);
        Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));

        var emptyDirs = pod["volumes"]!.AsArray().Where(v => v!["emptyDir"] is not null).Select(v => (string)v!["name"]!).ToHashSet();
        var mounts = worker["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["name"]!, m => (string)m!["mountPath"]!);
        Assert.Contains("tmp", emptyDirs);
        Assert.Equal("/tmp", mounts["tmp"]);
        Assert.Contains("class-matrix-cache", emptyDirs);
        var cache = PodSpecs.EnvValue(worker, "Clip__ZeroShot__CacheDirectory");
        Assert.StartsWith(mounts["class-matrix-cache"] + "/", cache, StringComparison.Ordinal);
        Assert.DoesNotContain(mounts, m => m.Value.StartsWith("/app", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Workloads_CarryNoSecretValues_OnlySecretKeyRefs(string values)
    {
        var (manifests, _, _) = await RenderAsync(values);
        var secretLooking = new Regex("password=|accountkey=|sharedaccesskey|sharedaccesssignature|sig=", RegexOptions.IgnoreCase);

        Assert.Empty(manifests.OfKind("Secret"));
        var containers = new[] { manifests.One("Deployment"), manifests.One("CronJob") }
            .SelectMany(w => new[] { PodSpecs.Of(w)["containers"], PodSpecs.Of(w)["initContainers"] })
            .Where(list => list is not null)
            .SelectMany(list => list!.AsArray().Select(c => c!.AsObject()))
            .ToList();
        Assert.NotEmpty(containers);
        foreach (var variable in containers.Where(c => c["env"] is not null).SelectMany(c => PodSpecs.Env(c).Values))
        {
            var name = (string)variable["name"]!;
            var value = (string?)variable["value"];
            if (value is not null)
            {
                Assert.DoesNotMatch(secretLooking, value);
            }

            if (name.Contains("ConnectionString", StringComparison.Ordinal) && value is not null)
            {
                // Entra: a token is the password, fetched in the pod; the connection string names the server and role only.
                Assert.DoesNotContain("password", value, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Workloads_EntraByDefault_SignInAsTheWorkloadIdentityWithoutASecret(string values)
    {
        var (manifests, deployment, worker) = await RenderAsync(values);
        var training = PodSpecs.Container(manifests.One("CronJob"), "retraining");

        // Each signs in as its own role: the workers' may write results, the retraining job's heads.
        foreach (var (container, role) in new[] { (worker, "clip-workers"), (training, "clip-retraining") })
        {
            var env = PodSpecs.Env(container);
            Assert.Equal("entra", PodSpecs.EnvValue(container, "Clip__Database__Authentication"));
            Assert.Null(env["Clip__Database__ConnectionString"]!["valueFrom"]);
            var connectionString = PodSpecs.EnvValue(container, "Clip__Database__ConnectionString");
            Assert.Matches($"^Host=[^;]+\\.postgres\\.database\\.azure\\.com;Database=clip;Username={role};SslMode=VerifyFull;Maximum Pool Size=20$", connectionString);
            // The least-privilege role may not change the schema: an administrator migrates.
            Assert.Equal("false", PodSpecs.EnvValue(container, "Clip__Database__MigrateOnStart"));
        }

        Assert.Equal("true", (string?)deployment["spec"]!["template"]!["metadata"]!["labels"]!["azure.workload.identity/use"]);
    }

    [Fact]
    public async Task Workloads_PasswordForSelfHosted_ReadTheConnectionStringFromTheSecretAndMigrate()
    {
        var values = ChartValues.DefaultsWithRequired.Without("database.host").Without("database.username")
            .With("database.authentication=password", "database.connectionStringSecret.name=clip-db");

        var manifests = await Helm.RenderAsync(values);

        foreach (var container in new[] { PodSpecs.Container(manifests.One("Deployment"), "worker"), PodSpecs.Container(manifests.One("CronJob"), "retraining") })
        {
            var database = PodSpecs.Env(container)["Clip__Database__ConnectionString"]!;
            Assert.Equal("clip-db", (string?)database["valueFrom"]!["secretKeyRef"]!["name"]);
            Assert.Equal("connection-string", (string?)database["valueFrom"]!["secretKeyRef"]!["key"]);
            Assert.Equal("password", PodSpecs.EnvValue(container, "Clip__Database__Authentication"));
            Assert.Equal("true", PodSpecs.EnvValue(container, "Clip__Database__MigrateOnStart"));
        }
    }

    [Theory]
    [InlineData("entra", "false", "false")]
    [InlineData("entra", "true", "true")]
    [InlineData("password", "false", "false")]
    public async Task MigrateOnStart_SetExplicitly_IsKept(string authentication, string migrate, string expected)
    {
        var values = authentication == "password"
            ? ChartValues.DefaultsWithRequired.Without("database.host").Without("database.username").With("database.authentication=password", "database.connectionStringSecret.name=clip-db")
            : ChartValues.DefaultsWithRequired;

        var manifests = await Helm.RenderAsync([.. values, "--set-json", $"database.migrateOnStart={migrate}"]);

        Assert.Equal(expected, PodSpecs.EnvValue(PodSpecs.Container(manifests.One("Deployment"), "worker"), "Clip__Database__MigrateOnStart"));
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Worker_TerminationGracePeriodExceedsTheShutdownGracePeriod(string values)
    {
        var (_, deployment, worker) = await RenderAsync(values);

        var shutdown = TimeSpan.Parse(PodSpecs.EnvValue(worker, "Clip__Pipeline__ShutdownGracePeriod"), CultureInfo.InvariantCulture);
        var termination = int.Parse((string)PodSpecs.Of(deployment)["terminationGracePeriodSeconds"]!, CultureInfo.InvariantCulture);
        Assert.True(termination > shutdown.TotalSeconds, $"terminationGracePeriodSeconds {termination} must exceed ShutdownGracePeriod {shutdown}");
    }

    [Fact]
    public async Task Worker_LongShutdownGracePeriod_BothDerivedFromOneValue()
    {
        var (_, deployment, worker) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), "pipeline.shutdownGracePeriodSeconds=3600");

        Assert.Equal("01:00:00", PodSpecs.EnvValue(worker, "Clip__Pipeline__ShutdownGracePeriod"));
        Assert.Equal("3615", (string?)PodSpecs.Of(deployment)["terminationGracePeriodSeconds"]);
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Workloads_EachUseTheirOwnWorkloadIdentityServiceAccount(string values)
    {
        var (manifests, deployment, _) = await RenderAsync(values);

        var clientIds = new List<string?>();
        foreach (var (workload, component) in new[] { (deployment, "worker"), (manifests.One("CronJob"), "retraining") })
        {
            var account = manifests.Named("ServiceAccount", (string)PodSpecs.Of(workload)["serviceAccountName"]!);
            Assert.Equal(component, (string?)account["metadata"]!["labels"]!["app.kubernetes.io/component"]);
            Assert.Matches("^[0-9a-f-]{36}$", (string?)account["metadata"]!["annotations"]!["azure.workload.identity/client-id"]);
            Assert.Equal("true", (string?)PodSpecs.PodMetadata(workload)["labels"]!["azure.workload.identity/use"]);
            clientIds.Add((string?)account["metadata"]!["annotations"]!["azure.workload.identity/client-id"]);
        }

        Assert.Equal(2, manifests.OfKind("ServiceAccount").Count());
        Assert.Equal(2, clientIds.Distinct().Count());
    }

    [Fact]
    public async Task Workloads_InstalledOutsideTheNamespaceTheIdentityTrusts_FailNamingIt()
    {
        var refusal = await Helm.RefusalAsync([.. ChartValues.Production, "--namespace", "labeling"]);

        Assert.Contains("the workers' identity trusts service accounts in namespace \"clip\"", refusal, StringComparison.Ordinal);
        Assert.Contains("install with -n clip", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_ProductionValues_PassesTheQueueAndTheAllowedContainer()
    {
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.Production));

        Assert.Equal("clip-prod-bus.servicebus.windows.net", PodSpecs.EnvValue(worker, "Clip__ServiceBus__FullyQualifiedNamespace"));
        Assert.Equal("images", PodSpecs.EnvValue(worker, "Clip__ServiceBus__QueueName"));
        Assert.Equal("https://clipprodimages.blob.core.windows.net/images", PodSpecs.EnvValue(worker, "Clip__Sources__AllowedContainers__0"));
        Assert.Equal("33554432", PodSpecs.EnvValue(worker, "Clip__Sources__MaxBlobBytes"));
        Assert.Equal("64", PodSpecs.EnvValue(worker, "Clip__Pipeline__BatchSize"));
        Assert.Equal("postgres", PodSpecs.EnvValue(worker, "Clip__Database__Provider"));
        Assert.Equal("clipworkersacr.azurecr.io/clip-worker@sha256:1111111111111111111111111111111111111111111111111111111111111111", (string?)worker["image"]);
    }

    [Fact]
    public async Task Worker_SeveralAllowedContainers_PassesEveryOne()
    {
        var (_, _, worker) = await RenderAsync(
            nameof(ChartValues.DefaultsWithRequired), "sources.allowedContainers[1]=https://clipdev.blob.core.windows.net/archive");

        Assert.Equal("https://clipdev.blob.core.windows.net/images", PodSpecs.EnvValue(worker, "Clip__Sources__AllowedContainers__0"));
        Assert.Equal("https://clipdev.blob.core.windows.net/archive", PodSpecs.EnvValue(worker, "Clip__Sources__AllowedContainers__1"));
    }

    [Theory]
    [InlineData("serviceBus.fullyQualifiedNamespace=clip-prod-sb.servicebus.windows.net", "not a valid Service Bus namespace name")]
    [InlineData("serviceBus.fullyQualifiedNamespace=clip-prod-mgmt.servicebus.windows.net", "not a valid Service Bus namespace name")]
    [InlineData("sources.allowedContainers[0]=https://clipdev.blob.core.windows.net/my--images", "two hyphens in a row")]
    [InlineData("sources.maxBlobBytes=104857600", "would cap it silently")]
    [InlineData("serviceBus.prefetchCount=64", "must be at most pipeline.batchSize (32)")]
    [InlineData("resources.requests.cpu=4", "resources.requests.cpu (4000m) does not fit a Standard_NC4as_T4_v3 node: 1 workers per node, 3360m")]
    [InlineData("resources.requests.memory=23Gi", "resources.requests.memory (23552 Mi) does not fit a Standard_NC4as_T4_v3 node: 1 workers per node, 22498 Mi")]
    [InlineData("gpu.vmSize=Standard_NC6s_v3", "is not a GPU size the worker's CUDA build is known to run on")]
    [InlineData("gpu.count=2", "gpu.count 2 is more than the 1 GPUs of a Standard_NC4as_T4_v3 node")]
    public async Task Values_AzureOrTheWorkerWouldRefuseOrIgnore_FailToRenderSayingWhy(string setting, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(setting));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gpu.vmSize=Standard_NC64as_T4_v3", "resources.requests.cpu=15690m")]
    [InlineData("gpu.vmSize=Standard_NC4as_T4_v3", "resources.requests.cpu=3360m")]
    [InlineData("gpu.vmSize=", "resources.requests.cpu=40")]
    [InlineData("gpu.count=0", "resources.requests.cpu=40")]
    public async Task Requests_FittingTheNodesShareOrUnchecked_Render(string size, string cpu)
    {
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired), size, cpu, "inference.device=auto");

        Assert.Equal(cpu.Split('=')[1], (string?)worker["resources"]!["requests"]!["cpu"]);
    }

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task Deployment_RollsOutWithoutAnExtraGpu(string values)
    {
        var (_, deployment, _) = await RenderAsync(values);

        var strategy = deployment["spec"]!["strategy"]!;
        Assert.Equal("RollingUpdate", (string?)strategy["type"]);
        Assert.Equal("0", (string?)strategy["rollingUpdate"]!["maxSurge"]);
        Assert.Equal("1", (string?)strategy["rollingUpdate"]!["maxUnavailable"]);
    }

    [Fact]
    public async Task Worker_EveryClipSettingIsAValidConfigurationKey()
    {
        var (_, _, worker) = await RenderAsync(nameof(ChartValues.Production));

        // Clip__Section__Key: .NET configuration maps "__" to ":"; a single "_" or a lower-case section would be ignored.
        foreach (var name in PodSpecs.Env(worker).Keys.Where(n => n.StartsWith("Clip", StringComparison.Ordinal)))
        {
            Assert.Matches(@"^Clip(__[A-Z][A-Za-z]*)+(__\d+)?$", name);
        }
    }

    [Fact]
    public async Task PodDisruptionBudget_SelectsTheWorkerPods()
    {
        var (manifests, deployment, _) = await RenderAsync(nameof(ChartValues.DefaultsWithRequired));
        var budget = manifests.One("PodDisruptionBudget");

        var selector = budget["spec"]!["selector"]!["matchLabels"]!.AsObject();
        var podLabels = PodSpecs.PodMetadata(deployment)["labels"]!.AsObject();
        Assert.All(selector, pair => Assert.Equal((string?)pair.Value, (string?)podLabels[pair.Key]));
        Assert.Equal("1", (string?)budget["spec"]!["maxUnavailable"]);

        // Readiness follows the database and Service Bus: during their outage every pod is unready, and a budget
        // counting them would block node drains and upgrades.
        Assert.Equal("AlwaysAllow", (string?)budget["spec"]!["unhealthyPodEvictionPolicy"]);
    }
}
