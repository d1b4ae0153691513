using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Clip.Deployment.Tests;

/// <summary>
/// The optional review app: off by default; when on, one CPU pod that binds every address behind Microsoft Entra ID
/// sign-in, as a ServiceAccount, managed identity and PostgreSQL role of its own, with the workers' model, taxonomy and
/// allowed containers, reached through a ClusterIP Service and, optionally, an Ingress.
/// </summary>
public sealed class ReviewDeploymentTests
{
    private static readonly string[] Enabled = [.. ChartValues.DefaultsWithRequired, .. ChartValues.ReviewEnabled];

    [Theory]
    [MemberData(nameof(ChartValues.Both), MemberType = typeof(ChartValues))]
    public async Task ReviewApp_Defaults_RendersNothingOfIt(string values)
    {
        var manifests = await Helm.RenderAsync(ChartValues.Named(values));

        Assert.DoesNotContain(manifests.Objects, o => (string?)o["metadata"]!["labels"]?["app.kubernetes.io/component"] == "review");
        Assert.DoesNotContain(manifests.Objects, o => ((string)o["metadata"]!["name"]!).EndsWith("-review", StringComparison.Ordinal));
        Assert.Empty(manifests.OfKind("Service"));
        Assert.Empty(manifests.OfKind("Ingress"));
        Assert.Single(manifests.OfKind("Deployment"));
    }

    [Fact]
    public async Task ReviewApp_Disabled_NeedsNoneOfItsValues()
    {
        // Only review.enabled asks for the sign-in and identity values: a disabled app with them unset renders.
        var manifests = await Helm.RenderAsync(ChartValues.DefaultsWithRequired.With("review.enabled=false", "review.replicaCount=3"));

        Assert.Single(manifests.OfKind("Deployment"));
    }

    [Fact]
    public async Task ReviewApp_Enabled_RunsAsItsOwnServiceAccountIdentityAndRoleWhileTheOthersKeepTheirs()
    {
        var manifests = await Helm.RenderAsync(Enabled);
        var review = Review(manifests);

        Assert.Equal(("clip-clip-workers-review", "00000000-0000-0000-0000-00000000e71e", "clip-review"), Identity(manifests, review));
        Assert.Equal(("clip-clip-workers", "00000000-0000-0000-0000-00000000c11b", "clip-workers"), Identity(manifests, Worker(manifests)));
        Assert.Equal("review", (string?)manifests.Named("ServiceAccount", "clip-clip-workers-review")["metadata"]!["labels"]!["app.kubernetes.io/component"]);
        Assert.Equal("true", (string?)PodSpecs.PodMetadata(review)["labels"]!["azure.workload.identity/use"]);
        Assert.Equal(3, manifests.OfKind("ServiceAccount").Count());
    }

    [Fact]
    public async Task ReviewApp_Enabled_OnePodOnCpuNodesWithoutTheWorkersGpuSchedulingOrAGpu()
    {
        var review = Review(await Helm.RenderAsync(Enabled));
        var pod = PodSpecs.Of(review);
        var resources = PodSpecs.Container(review, "review")["resources"]!;

        Assert.Equal("1", (string?)review["spec"]!["replicas"]);
        Assert.Null(pod["nodeSelector"]);
        Assert.Null(pod["tolerations"]);
        Assert.Null(resources["requests"]!["nvidia.com/gpu"]);
        Assert.Null(resources["limits"]!["nvidia.com/gpu"]);
        Assert.NotNull((string?)resources["requests"]!["cpu"]);
        Assert.NotNull((string?)resources["limits"]!["memory"]);
        Assert.DoesNotContain("Clip__Inference__Device", PodSpecs.Env(PodSpecs.Container(review, "review")).Keys);
    }

    [Fact]
    public async Task ReviewApp_Enabled_BindsEveryAddressBehindEntraSignInAndProbesHealthz()
    {
        var container = PodSpecs.Container(Review(await Helm.RenderAsync(Enabled)), "review");
        var port = Assert.Single(container["ports"]!.AsArray())!;

        Assert.Equal("0.0.0.0", PodSpecs.EnvValue(container, "Clip__Review__Bind"));
        Assert.Equal((string?)port["containerPort"], PodSpecs.EnvValue(container, "Clip__Review__Port"));
        Assert.Equal("5080", (string?)port["containerPort"]);
        Assert.Equal("00000000-0000-0000-0000-0000000074e7", PodSpecs.EnvValue(container, "AzureAd__TenantId"));
        Assert.Equal("00000000-0000-0000-0000-00000000a991", PodSpecs.EnvValue(container, "AzureAd__ClientId"));
        Assert.Equal("https://login.microsoftonline.com/", PodSpecs.EnvValue(container, "AzureAd__Instance"));
        Assert.Equal("/signin-oidc", PodSpecs.EnvValue(container, "AzureAd__CallbackPath"));
        Assert.Equal("Reviewer", PodSpecs.EnvValue(container, "Clip__Review__ReviewerRole"));
        foreach (var probe in new[] { "startupProbe", "livenessProbe", "readinessProbe" })
        {
            Assert.Equal(("/healthz", "http"), ((string?)container[probe]!["httpGet"]!["path"], (string?)container[probe]!["httpGet"]!["port"]));
        }
    }

    [Fact]
    public async Task ReviewApp_Enabled_NeverMigratesTheDatabase()
    {
        var env = PodSpecs.Env(PodSpecs.Container(Review(await Helm.RenderAsync(Enabled)), "review"));

        // The app checks the schema and stops when it is not this build's; migrating is the administrator's (clip db migrate).
        Assert.DoesNotContain("Clip__Database__MigrateOnStart", env.Keys);
        Assert.Equal("entra", (string?)env["Clip__Database__Authentication"]["value"]);
    }

    [Fact]
    public async Task ReviewApp_ClientSecretFromASecret_ReferencesTheSecretNeverAValue()
    {
        var container = PodSpecs.Container(
            Review(await Helm.RenderAsync(Enabled.With("review.azureAd.clientSecretSecret.name=clip-review-oidc"))), "review");
        var secret = PodSpecs.Env(container)["AzureAd__ClientSecret"];

        Assert.Null(secret["value"]);
        Assert.Equal("clip-review-oidc", (string?)secret["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Equal("client-secret", (string?)secret["valueFrom"]!["secretKeyRef"]!["key"]);
        Assert.DoesNotContain("AzureAd__ClientCredentials__0__SourceType", PodSpecs.Env(container).Keys);
    }

    [Fact]
    public async Task ReviewApp_NoClientCredential_SetsNeither()
    {
        var env = PodSpecs.Env(PodSpecs.Container(Review(await Helm.RenderAsync(Enabled)), "review"));

        Assert.DoesNotContain(env.Keys, name => name.StartsWith("AzureAd__Client", StringComparison.Ordinal) && name != "AzureAd__ClientId");
    }

    [Fact]
    public async Task ReviewApp_FederatedCredential_PresentsTheProjectedServiceAccountToken()
    {
        var container = PodSpecs.Container(Review(await Helm.RenderAsync(Enabled.With("review.azureAd.federatedCredential=true"))), "review");

        Assert.Equal("SignedAssertionFilePath", PodSpecs.EnvValue(container, "AzureAd__ClientCredentials__0__SourceType"));
        Assert.DoesNotContain("AzureAd__ClientSecret", PodSpecs.Env(container).Keys);
    }

    [Theory]
    [InlineData("review.azureAd.clientSecretSecret.name=clip-review-oidc", "not both")]
    [InlineData("workloadIdentity.enabled=false", "review.azureAd.federatedCredential presents the service account token")]
    public async Task ReviewApp_FederatedCredentialMisconfigured_FailsNamingTheFix(string setting, string message)
    {
        var values = Enabled.With("review.azureAd.federatedCredential=true", setting);
        if (setting.StartsWith("workloadIdentity", StringComparison.Ordinal))
        {
            values = values.With("database.authentication=password", "database.connectionStringSecret.name=clip-db");
        }

        Assert.Contains(message, await Helm.RefusalAsync(values), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_Enabled_AServiceSelectsItsPodsOnItsPort()
    {
        var manifests = await Helm.RenderAsync(Enabled);
        var service = manifests.Named("Service", "clip-clip-workers-review");
        var port = Assert.Single(service["spec"]!["ports"]!.AsArray())!;

        Assert.Equal("ClusterIP", (string?)service["spec"]!["type"]);
        Assert.True(JsonNode.DeepEquals(Review(manifests)["spec"]!["selector"]!["matchLabels"], service["spec"]!["selector"]));
        Assert.Equal(("80", "http"), ((string?)port["port"], (string?)port["targetPort"]));
        Assert.Empty(manifests.OfKind("Ingress"));
        Assert.Equal("false", PodSpecs.EnvValue(PodSpecs.Container(Review(manifests), "review"), "Clip__Review__TrustForwardedHeaders"));
    }

    [Fact]
    public async Task ReviewApp_Ingress_RoutesItsHostToTheServiceOverTlsAndTrustsTheForwardedScheme()
    {
        var manifests = await Helm.RenderAsync(Enabled.With(
            "review.ingress.enabled=true", "review.ingress.host=review.example.com", "review.ingress.tlsSecretName=review-tls",
            "review.ingress.className=webapprouting.kubernetes.azure.com"));
        var spec = manifests.One("Ingress")["spec"]!;
        var path = spec["rules"]![0]!["http"]!["paths"]![0]!;

        Assert.Equal("webapprouting.kubernetes.azure.com", (string?)spec["ingressClassName"]);
        Assert.Equal("review.example.com", (string?)spec["rules"]![0]!["host"]);
        Assert.Equal(("clip-clip-workers-review", "http"), ((string?)path["backend"]!["service"]!["name"], (string?)path["backend"]!["service"]!["port"]!["name"]));
        Assert.Equal(("review-tls", "review.example.com"), ((string?)spec["tls"]![0]!["secretName"], (string?)spec["tls"]![0]!["hosts"]![0]));
        // The controller terminates TLS: only with X-Forwarded-Proto does the app send https://HOST/signin-oidc as the redirect URI.
        Assert.Equal("true", PodSpecs.EnvValue(PodSpecs.Container(Review(manifests), "review"), "Clip__Review__TrustForwardedHeaders"));
    }

    [Fact]
    public async Task ReviewApp_IngressWithoutHost_FailsNamingTheRedirectUri()
    {
        var refusal = await Helm.RefusalAsync(Enabled.With("review.ingress.enabled=true"));

        Assert.Contains("review.ingress.host is required while review.ingress.enabled", refusal, StringComparison.Ordinal);
        Assert.Contains("/signin-oidc", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("review.azureAd.tenantId", "review.azureAd.tenantId is required while review.enabled")]
    [InlineData("review.azureAd.clientId", "review.azureAd.clientId is required while review.enabled")]
    [InlineData("review.database.username", "review.database.username is required with database.authentication entra while review.enabled")]
    [InlineData("review.workloadIdentity.clientId", "review.workloadIdentity.clientId is required while review.enabled with workload identity")]
    public async Task ReviewApp_EnabledWithoutASetting_FailsNamingIt(string setting, string message)
    {
        var refusal = await Helm.RefusalAsync(Enabled.Without(setting));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_WithoutSignIn_FailsSayingTheAppWouldNotStart()
    {
        var refusal = await Helm.RefusalAsync(Enabled.Without("review.azureAd."));

        Assert.Contains("refuses to start", refusal, StringComparison.Ordinal);
        Assert.Contains("infra/README.md", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_SignInClientIdIsAManagedIdentitys_FailsPointingAtTheAppRegistration()
    {
        var refusal = await Helm.RefusalAsync(Enabled.With("review.azureAd.clientId=00000000-0000-0000-0000-00000000e71e"));

        Assert.Contains("is a managed identity's client ID", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serviceAccount.name=clip", "review.serviceAccount.name=clip", "review.serviceAccount.name and serviceAccount.name are both \"clip\"")]
    [InlineData("retraining.serviceAccount.name=clip", "review.serviceAccount.name=clip", "review.serviceAccount.name and retraining.serviceAccount.name are both \"clip\"")]
    public async Task ReviewApp_AnotherWorkloadsServiceAccount_FailsNamingIt(string other, string review, string message)
    {
        Assert.Contains(message, await Helm.RefusalAsync(Enabled.With(other, review)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_TwoReplicas_FailsExplainingTheDataProtectionKeys()
    {
        var refusal = await Helm.RefusalAsync(Enabled.With("review.replicaCount=2"));

        Assert.Contains("review.replicaCount (2) must be 1", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_PrecisionAuto_FailsLikeRetraining()
    {
        var refusal = await Helm.RefusalAsync(Enabled.With("inference.precision=auto", "retraining.enabled=false"));

        Assert.Contains("the review app's search would look for another model id's embeddings", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewApp_Production_SharesTheWorkersModelTaxonomySourcesAndServer()
    {
        var manifests = await Helm.RenderAsync([.. ChartValues.Production, .. ChartValues.ReviewEnabled]);
        var worker = PodSpecs.Env(PodSpecs.Container(Worker(manifests), "worker"));
        var review = Review(manifests);
        var env = PodSpecs.Env(PodSpecs.Container(review, "review"));

        Assert.Equal((string?)worker["Clip__Inference__ModelPath"]["value"], (string?)env["Clip__Review__ModelPath"]["value"]);
        Assert.Equal((string?)worker["Clip__Inference__Precision"]["value"], (string?)env["Clip__Review__Precision"]["value"]);
        Assert.Equal((string?)worker["Clip__Pipeline__Taxonomy"]["value"], (string?)env["Clip__Review__Taxonomies__0"]["value"]);
        var allowed = worker.Keys.Where(k => k.StartsWith("Clip__Sources__AllowedContainers__", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(allowed);
        Assert.All(allowed, k => Assert.Equal((string?)worker[k]["value"], (string?)env[k]["value"]));

        // The same server and database, signed in as its own role.
        static string Server(JsonObject variable) => Regex.Replace((string)variable["value"]!, "Username=[^;]*;", "");
        Assert.Equal(Server(worker["Clip__Database__ConnectionString"]), Server(env["Clip__Database__ConnectionString"]));
        Assert.Contains(";Username=clip-review;", (string?)env["Clip__Database__ConnectionString"]["value"], StringComparison.Ordinal);

        // The model is downloaded as in the workers' pods, into the folder ModelPath names; the taxonomy file is mounted.
        var pod = PodSpecs.Of(review);
        var init = Assert.Single(pod["initContainers"]!.AsArray())!;
        Assert.Equal("download-model", (string?)init["name"]);
        Assert.StartsWith("/models/", (string?)env["Clip__Review__ModelPath"]["value"], StringComparison.Ordinal);
        var mounts = Mounts(PodSpecs.Container(review, "review"));
        Assert.Equal("model", mounts["/models"]);
        Assert.Equal("taxonomy", mounts["/config/taxonomy"]);
        Assert.Matches("@sha256:", (string?)PodSpecs.Container(review, "review")["image"]);
    }

    [Fact]
    public async Task ReviewApp_Enabled_ReadOnlyRootWithItsWritableFoldersOnVolumes()
    {
        var review = Review(await Helm.RenderAsync(Enabled));
        var container = PodSpecs.Container(review, "review");
        var mounts = Mounts(container);
        var volumes = PodSpecs.Of(review)["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => v!.AsObject());

        Assert.Equal("true", (string?)container["securityContext"]!["readOnlyRootFilesystem"]);
        Assert.Equal("false", (string?)container["securityContext"]!["allowPrivilegeEscalation"]);
        Assert.Equal("true", (string?)PodSpecs.Of(review)["securityContext"]!["runAsNonRoot"]);
        Assert.Equal("tmp", mounts["/tmp"]);
        Assert.Equal(mounts["/var/cache/clip-review"], Volume(mounts, PodSpecs.EnvValue(container, "Clip__Review__IndexRoot")));
        // ASP.NET Core's data-protection keys go to $HOME/.aspnet: memory, never the node's disk.
        var home = Volume(mounts, PodSpecs.EnvValue(container, "HOME"));
        Assert.Equal("Memory", (string?)volumes[home]["emptyDir"]!["medium"]);
        Assert.All(mounts.Values, name => Assert.NotNull(volumes[name]));
    }

    [Fact]
    public async Task ReviewApp_NetworkPolicy_AdmitsItsPortFromTheIngressControllerAndReachesOnlyBlobsPostgresAndEntra()
    {
        const string EntraCidr = "20.190.128.0/18";
        var manifests = await Helm.RenderAsync(
        [
            .. Enabled.With("networkPolicy.enabled=true"),
            "--set-json", "networkPolicy.privateEndpointCidrs=[\"10.224.16.0/27\"]",
            "--set-json", "networkPolicy.postgresCidrs=[\"10.224.16.32/28\"]",
            "--set-json", $"networkPolicy.entraCidrs=[\"{EntraCidr}\"]",
            "--set-json", """review.networkPolicy.from=[{"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"app-routing-system"}}}]""",
        ]);
        var policy = manifests.Named("NetworkPolicy", "clip-clip-workers-review")["spec"]!;

        Assert.True(JsonNode.DeepEquals(Review(manifests)["spec"]!["selector"]!["matchLabels"], policy["podSelector"]!["matchLabels"]));
        var ingress = Assert.Single(policy["ingress"]!.AsArray())!;
        Assert.Equal("5080", (string?)Assert.Single(ingress["ports"]!.AsArray())!["port"]);
        Assert.Equal("app-routing-system", (string?)Assert.Single(ingress["from"]!.AsArray())!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);

        var egress = policy["egress"]!.AsArray().Select(rule => rule!).ToList();
        string Ports(string cidr) => string.Join(',', egress.Single(r => (string?)r["to"]![0]!["ipBlock"]?["cidr"] == cidr)["ports"]!.AsArray().Select(p => $"{p!["port"]}/{p["protocol"]}"));
        Assert.Equal(4, egress.Count);
        Assert.Equal("443/TCP", Ports("10.224.16.0/27"));
        Assert.Equal("5432/TCP", Ports("10.224.16.32/28"));
        Assert.Equal("443/TCP", Ports(EntraCidr));
        Assert.Equal(2, manifests.OfKind("NetworkPolicy").Count());
    }

    [Fact]
    public async Task ReviewApp_NetworkPolicyWithoutEntraRanges_FailsEvenWithoutWorkloadIdentity()
    {
        var values = Enabled.Without("database.").Without("review.database.").Without("review.workloadIdentity.")
            .With("database.authentication=password", "database.connectionStringSecret.name=clip-db", "workloadIdentity.enabled=false", "networkPolicy.enabled=true");
        values = [.. values, "--set-json", "networkPolicy.privateEndpointCidrs=[\"10.224.16.0/27\"]", "--set-json", "networkPolicy.postgresCidrs=[\"10.224.16.32/28\"]"];

        var refusal = await Helm.RefusalAsync(values);

        Assert.Contains("networkPolicy.entraCidrs is required while networkPolicy.enabled with review.enabled", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_ReviewWithoutIngress_ShowThePortForwardAndItsRedirectUri()
    {
        var notes = await Helm.NotesAsync(Enabled);

        Assert.Contains("port-forward service/clip-clip-workers-review 5080:80", notes, StringComparison.Ordinal);
        Assert.Contains("http://localhost:5080/signin-oidc", notes, StringComparison.Ordinal);
        Assert.Contains("\"Reviewer\"", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_ReviewBehindAnIngress_ShowTheHostAndItsRedirectUri()
    {
        var notes = await Helm.NotesAsync(Enabled.With("review.ingress.enabled=true", "review.ingress.host=review.example.com"));

        Assert.Contains("https://review.example.com/signin-oidc", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("port-forward", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notes_Defaults_SayNothingOfTheReviewApp()
    {
        Assert.DoesNotContain("review", await Helm.NotesAsync(ChartValues.DefaultsWithRequired), StringComparison.OrdinalIgnoreCase);
    }

    private static JsonObject Review(Manifests manifests) => manifests.Named("Deployment", "clip-clip-workers-review");

    private static JsonObject Worker(Manifests manifests) =>
        manifests.OfKind("Deployment").Single(d => (string?)d["metadata"]!["labels"]!["app.kubernetes.io/component"] == "worker");

    /// <summary>The container's mounts, path to volume name.</summary>
    private static Dictionary<string, string> Mounts(JsonObject container) =>
        container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["mountPath"]!, m => (string)m!["name"]!);

    /// <summary>The volume mounted at <paramref name="path"/> or the nearest folder above it.</summary>
    private static string Volume(Dictionary<string, string> mounts, string path)
    {
        var below = mounts.Where(m => path == m.Key || path.StartsWith(m.Key + "/", StringComparison.Ordinal)).ToList();
        Assert.True(below.Count > 0, $"nothing is mounted at {path} or above it");
        return below.MaxBy(m => m.Key.Length).Value;
    }

    /// <summary>The ServiceAccount <paramref name="workload"/> runs as, its identity's client ID and the role it signs in to PostgreSQL as.</summary>
    private static (string Account, string? ClientId, string Role) Identity(Manifests manifests, JsonObject workload)
    {
        var account = (string)PodSpecs.Of(workload)["serviceAccountName"]!;
        var clientId = (string?)manifests.Named("ServiceAccount", account)["metadata"]!["annotations"]!["azure.workload.identity/client-id"];
        var container = PodSpecs.Of(workload)["containers"]![0]!.AsObject();
        var connectionString = PodSpecs.EnvValue(container, "Clip__Database__ConnectionString");
        return (account, clientId, Regex.Match(connectionString, "Username=([^;]*);").Groups[1].Value);
    }
}
