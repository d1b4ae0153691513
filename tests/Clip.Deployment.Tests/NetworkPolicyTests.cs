using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests;

/// <summary>
/// The optional NetworkPolicy of the private production mode: the worker pods may reach DNS, the private endpoints of
/// Storage and Service Bus, PostgreSQL's subnet, Microsoft Entra ID and the OTLP collector, and nothing else; only the
/// health port accepts connections.
/// </summary>
public sealed class NetworkPolicyTests
{
    private const string PrivateEndpointCidr = "10.224.16.0/27";
    private const string PostgresCidr = "10.224.16.32/28";
    private const string EntraCidr = "20.190.128.0/18";

    private static readonly string[] Enabled =
    [
        .. ChartValues.DefaultsWithRequired,
        "--set", "networkPolicy.enabled=true",
        "--set-json", $"networkPolicy.privateEndpointCidrs=[\"{PrivateEndpointCidr}\"]",
        "--set-json", $"networkPolicy.postgresCidrs=[\"{PostgresCidr}\"]",
        "--set-json", $"networkPolicy.entraCidrs=[\"{EntraCidr}\"]",
    ];

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task NetworkPolicy_Defaults_IsNotRendered(string values)
    {
        var manifests = await Helm.RenderAsync(ChartValues.Named(values));

        Assert.Empty(manifests.OfKind("NetworkPolicy"));
    }

    [Fact]
    public async Task NetworkPolicy_Enabled_SelectsTheWorkerPodsAndAdmitsOnlyTheHealthPort()
    {
        var manifests = await Helm.RenderAsync(Enabled);
        var spec = manifests.One("NetworkPolicy")["spec"]!;
        var deployment = manifests.One("Deployment");

        Assert.True(JsonNode.DeepEquals(deployment["spec"]!["selector"]!["matchLabels"], spec["podSelector"]!["matchLabels"]));
        Assert.Equal(["Ingress", "Egress"], spec["policyTypes"]!.AsArray().Select(t => (string?)t));
        var ingress = Assert.Single(spec["ingress"]!.AsArray())!;
        var port = Assert.Single(ingress["ports"]!.AsArray())!;
        var healthPort = Assert.Single(PodSpecs.Container(deployment, "worker")["ports"]!.AsArray())!;
        Assert.Equal((string?)healthPort["containerPort"], (string?)port["port"]);
        Assert.Equal("TCP", (string?)port["protocol"]);
        Assert.Null(ingress["from"]);
    }

    [Fact]
    public async Task NetworkPolicy_Enabled_LeavesTheRetrainingPodsTheirOwnTraffic()
    {
        var manifests = await Helm.RenderAsync(Enabled);
        var selector = manifests.One("NetworkPolicy")["spec"]!["podSelector"]!["matchLabels"]!.AsObject();
        var retrainingPod = PodSpecs.PodMetadata(manifests.One("CronJob"))["labels"]!.AsObject();

        // A NetworkPolicy restricts only the pods it selects: enabling the workers' one leaves the retraining job's
        // pods (component retraining, on their own ServiceAccount) reaching PostgreSQL, Entra ID and the models container.
        Assert.Equal("worker", (string?)selector["app.kubernetes.io/component"]);
        Assert.Equal("retraining", (string?)retrainingPod["app.kubernetes.io/component"]);
        Assert.Single(manifests.OfKind("NetworkPolicy"));
    }

    [Fact]
    public async Task NetworkPolicy_Enabled_AllowsEgressOnlyToDnsTheServicesAndEntra()
    {
        var egress = await EgressAsync(Enabled);

        Assert.Equal(4, egress.Count);
        var dns = egress[0];
        var dnsPeer = Assert.Single(dns["to"]!.AsArray())!;
        Assert.Equal("kube-system", (string?)dnsPeer["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
        Assert.Equal("kube-dns", (string?)dnsPeer["podSelector"]!["matchLabels"]!["k8s-app"]);
        Assert.Equal(["53/TCP", "53/UDP"], Ports(dns).Order());

        Assert.Equal(["443/TCP", "5671/TCP", "5672/TCP"], Ports(RuleTo(egress, PrivateEndpointCidr)).Order());
        Assert.Equal(["5432/TCP"], Ports(RuleTo(egress, PostgresCidr)));
        Assert.Equal(["443/TCP"], Ports(RuleTo(egress, EntraCidr)));
    }

    [Fact]
    public async Task NetworkPolicy_WithOtlpEndpoint_AllowsTheCollectorsPort()
    {
        var egress = await EgressAsync(
        [
            .. Enabled,
            "--set", "otlpEndpoint=http://otel-collector.monitoring:4318",
            "--set-json", """networkPolicy.otlp.to=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]""",
            "--set", "networkPolicy.otlp.port=4318",
        ]);

        Assert.Equal(5, egress.Count);
        var otlp = Assert.Single(egress, rule => rule["to"]![0]!["namespaceSelector"] is not null
            && (string?)rule["to"]![0]!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"] == "monitoring");
        Assert.Equal(["4318/TCP"], Ports(otlp));
    }

    [Fact]
    public async Task NetworkPolicy_HealthPortFrom_AdmitsOnlyThosePeers()
    {
        var manifests = await Helm.RenderAsync(
        [
            .. Enabled,
            "--set-json", """networkPolicy.healthPortFrom=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"monitoring"}}}]""",
        ]);

        var ingress = Assert.Single(manifests.One("NetworkPolicy")["spec"]!["ingress"]!.AsArray())!;
        var peer = Assert.Single(ingress["from"]!.AsArray())!;
        Assert.Equal("monitoring", (string?)peer["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
    }

    [Theory]
    [InlineData("networkPolicy.privateEndpointCidrs", "privateEndpointSubnetPrefix")]
    [InlineData("networkPolicy.postgresCidrs", "postgresSubnetPrefix")]
    [InlineData("networkPolicy.entraCidrs", "login.microsoftonline.com")]
    public async Task NetworkPolicy_WithoutADestination_FailsNamingWhereItComesFrom(string value, string source)
    {
        string[] values = [.. Enabled.Chunk(2).Where(pair => !pair[1].StartsWith(value + "=", StringComparison.Ordinal)).SelectMany(pair => pair)];

        var refusal = await Helm.RefusalAsync(values);

        Assert.Contains($"{value} is required", refusal, StringComparison.Ordinal);
        Assert.Contains(source, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkPolicy_OtlpEndpointWithoutCollector_Fails()
    {
        var refusal = await Helm.RefusalAsync([.. Enabled, "--set", "otlpEndpoint=http://otel-collector.monitoring:4317"]);

        Assert.Contains("networkPolicy.otlp.to is required", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clip-pe.privatelink.blob.core.windows.net")]
    [InlineData("10.224.16.0")]
    public async Task NetworkPolicy_CidrThatIsNotACidr_IsRejectedByTheSchema(string cidr)
    {
        var refusal = await Helm.RefusalAsync([.. Enabled, "--set-json", $"networkPolicy.privateEndpointCidrs=[\"{cidr}\"]"]);

        Assert.Contains("privateEndpointCidrs", refusal, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<JsonNode>> EgressAsync(string[] values) =>
        [.. (await Helm.RenderAsync(values)).One("NetworkPolicy")["spec"]!["egress"]!.AsArray().Select(rule => rule!)];

    private static JsonNode RuleTo(IEnumerable<JsonNode> egress, string cidr) =>
        Assert.Single(egress, rule => rule["to"]!.AsArray().Any(peer => (string?)peer!["ipBlock"]?["cidr"] == cidr));

    private static IEnumerable<string> Ports(JsonNode rule) =>
        rule["ports"]!.AsArray().Select(p => $"{(string?)p!["port"]}/{(string?)p["protocol"]}");
}
