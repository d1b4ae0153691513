using System.Globalization;

namespace Clip.Deployment.Tests;

/// <summary>KEDA scales the workers on the Service Bus queue, signed in with workload identity.</summary>
public sealed class KedaTests
{
    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task ScaledObject_WatchesTheWorkersQueue(string values)
    {
        var manifests = await Helm.RenderAsync(ChartValues.Named(values));
        var scaled = manifests.One("ScaledObject");
        var worker = PodSpecs.Container(manifests.One("Deployment"), "worker");

        Assert.Equal((string?)manifests.One("Deployment")["metadata"]!["name"], (string?)scaled["spec"]!["scaleTargetRef"]!["name"]);
        Assert.Null(manifests.One("Deployment")["spec"]!["replicas"]);
        var trigger = scaled["spec"]!["triggers"]!.AsArray().Single()!.AsObject();
        Assert.Equal("azure-servicebus", (string?)trigger["type"]);
        var metadata = trigger["metadata"]!;
        Assert.Equal(PodSpecs.EnvValue(worker, "Clip__ServiceBus__QueueName"), (string?)metadata["queueName"]);
        var fqdn = PodSpecs.EnvValue(worker, "Clip__ServiceBus__FullyQualifiedNamespace");
        Assert.Equal(fqdn.Split('.')[0], (string?)metadata["namespace"]);
        Assert.Null(metadata["cloud"]);
        Assert.NotNull((string?)metadata["messageCount"]);
        Assert.NotNull((string?)metadata["activationMessageCount"]);

        var authentication = manifests.Named("TriggerAuthentication", (string)trigger["authenticationRef"]!["name"]!);
        Assert.Equal("azure-workload", (string?)authentication["spec"]!["podIdentity"]!["provider"]);
        Assert.Matches("^[0-9a-f-]{36}$", (string?)authentication["spec"]!["podIdentity"]!["identityId"]);
    }

    [Fact]
    public async Task KedaEnabled_WithoutIdentityId_FailsNamingTheBicepOutput()
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.Without("keda.identityId"));

        Assert.Contains("keda.identityId is required", refusal, StringComparison.Ordinal);
        Assert.Contains("kedaIdentityClientId", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaledObject_KeepsFallbackWorkersWhileTheQueueCannotBeRead()
    {
        var scaled = (await Helm.RenderAsync(ChartValues.Production)).One("ScaledObject");

        var fallback = scaled["spec"]!["fallback"]!;
        Assert.Equal("3", (string?)fallback["failureThreshold"]);
        Assert.Equal("1", (string?)fallback["replicas"]);
    }

    [Fact]
    public async Task Fallback_MoreReplicasThanMaxReplicas_Fails()
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With("keda.maxReplicas=2", "keda.fallback.replicas=3"));

        Assert.Contains("keda.fallback.replicas (3) must be at most keda.maxReplicas (2)", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaledObject_ProductionValues_ScalesOnTheConfiguredCounts()
    {
        var scaled = (await Helm.RenderAsync(ChartValues.Production)).One("ScaledObject");

        Assert.Equal("1", (string?)scaled["spec"]!["minReplicaCount"]);
        Assert.Equal("3", (string?)scaled["spec"]!["maxReplicaCount"]);
        var metadata = scaled["spec"]!["triggers"]![0]!["metadata"]!;
        Assert.Equal("images", (string?)metadata["queueName"]);
        Assert.Equal("clip-prod-bus", (string?)metadata["namespace"]);
        Assert.Equal("512", (string?)metadata["messageCount"]);
        Assert.Equal("0", (string?)metadata["activationMessageCount"]);
    }

    [Fact]
    public async Task ScaledObject_Defaults_WakesOnOneMessageAndScalesToZeroOnlyAfterTheLongestLockedMessage()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired);
        var spec = manifests.One("ScaledObject")["spec"]!;
        var worker = PodSpecs.Container(manifests.One("Deployment"), "worker");

        Assert.Equal("0", (string?)spec["minReplicaCount"]);
        // KEDA activates when the queue holds more than activationMessageCount: one message wakes a worker.
        Assert.Equal("0", (string?)spec["triggers"]![0]!["metadata"]!["activationMessageCount"]);

        // The queue's active count leaves out messages a worker holds locked; the worker holds one for at most
        // MaxLockRenewalDuration, and the last poll that saw it waiting was up to one pollingInterval earlier.
        var renewal = TimeSpan.Parse(PodSpecs.EnvValue(worker, "Clip__ServiceBus__MaxLockRenewalDuration"), CultureInfo.InvariantCulture);
        var polling = int.Parse((string)spec["pollingInterval"]!, CultureInfo.InvariantCulture);
        var cooldown = int.Parse((string)spec["cooldownPeriod"]!, CultureInfo.InvariantCulture);
        Assert.True(cooldown >= renewal.TotalSeconds + polling, $"cooldownPeriod {cooldown} < lock renewal {renewal} + polling {polling} s");
        Assert.Equal("15", (string?)spec["pollingInterval"]);
    }

    [Theory]
    [InlineData("keda.activationMessageCount=1", "keda.activationMessageCount (1) must be 0 while keda.minReplicas is 0")]
    [InlineData("keda.cooldownPeriod=300", "keda.cooldownPeriod (300) must be at least serviceBus.maxLockRenewalDuration (600 s) plus keda.pollingInterval (15 s), 615, while keda.minReplicas is 0")]
    [InlineData("serviceBus.maxLockRenewalDuration=00:15:00", "keda.cooldownPeriod (660) must be at least serviceBus.maxLockRenewalDuration (900 s) plus keda.pollingInterval (15 s), 915")]
    [InlineData("keda.pollingInterval=120", "keda.cooldownPeriod (660) must be at least serviceBus.maxLockRenewalDuration (600 s) plus keda.pollingInterval (120 s), 720")]
    public async Task ScaleToZero_ThatCouldStrandOrCutShortMessages_FailsSayingWhy(string setting, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(setting));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "00:10:00", 615, 0)]
    [InlineData(0, "00:03:30.5", 226, 0)]
    [InlineData(1, "00:10:00", 60, 5)]
    public async Task ScaleToZero_CooldownCoveringTheLongestLockOrNoScaleToZero_Renders(int minReplicas, string lockRenewal, int cooldown, int activation)
    {
        var spec = (await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With(
            $"keda.minReplicas={minReplicas}",
            $"serviceBus.maxLockRenewalDuration={lockRenewal}",
            "pipeline.retryBudget=00:02:00",
            $"keda.cooldownPeriod={cooldown}",
            $"keda.activationMessageCount={activation}"))).One("ScaledObject")["spec"]!;

        // With minReplicas 1 KEDA never scales to zero, and uses neither the cooldown nor the activation count.
        Assert.Equal(cooldown.ToString(CultureInfo.InvariantCulture), (string?)spec["cooldownPeriod"]);
        Assert.Equal(activation.ToString(CultureInfo.InvariantCulture), (string?)spec["triggers"]![0]!["metadata"]!["activationMessageCount"]);
    }

    [Fact]
    public async Task ScaledObject_NamespaceOutsideThePublicCloud_SetsPrivateCloudAndSuffix()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("serviceBus.fullyQualifiedNamespace=clip-cn.servicebus.chinacloudapi.cn"));

        var metadata = manifests.One("ScaledObject")["spec"]!["triggers"]![0]!["metadata"]!;
        Assert.Equal("clip-cn", (string?)metadata["namespace"]);
        Assert.Equal("Private", (string?)metadata["cloud"]);
        Assert.Equal("servicebus.chinacloudapi.cn", (string?)metadata["endpointSuffix"]);
    }

    [Fact]
    public async Task KedaDisabled_RendersNoScaledObject_AndFixedReplicas()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("keda.enabled=false", "replicaCount=3"));

        Assert.Empty(manifests.OfKind("ScaledObject"));
        Assert.Empty(manifests.OfKind("TriggerAuthentication"));
        Assert.Equal("3", (string?)manifests.One("Deployment")["spec"]!["replicas"]);
    }

    [Fact]
    public async Task TriggerAuthentication_IdentityIdSet_NamesIt()
    {
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("keda.identityId=11111111-2222-3333-4444-555555555555"));

        var podIdentity = manifests.One("TriggerAuthentication")["spec"]!["podIdentity"]!.AsObject();
        Assert.Equal("11111111-2222-3333-4444-555555555555", (string?)podIdentity["identityId"]);
    }
}
