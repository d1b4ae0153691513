using System.Text.RegularExpressions;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests;

/// <summary>
/// The README's deployment guide stays true to the repository: its helm command renders the chart as written (with
/// the placeholders filled), and every file its az and docker commands name exists.
/// </summary>
public sealed partial class ReadmeGuideTests
{
    private const string SampleDigest = "sha256:00000000000000000000000000000000000000000000000000000000000000ac";

    private static readonly string Guide = ReadGuide();

    [Fact]
    public async Task Guide_HelmInstallCommand_RendersTheChartWithTheIdentityAndQueueItSets()
    {
        var command = Regex.Match(Guide, @"helm upgrade --install (?<body>(?:[^\n]*\\\n)*[^\n]*)").Groups["body"].Value;
        Assert.False(string.IsNullOrEmpty(command), "the guide has no helm upgrade --install command");
        // The values file the guide generates from the deployment's outputs is the one GeneratedValuesTests checks;
        // the digests are the ones its az acr commands read.
        var filled = DigestVariable().Replace(command.Replace("\\\n", " ", StringComparison.Ordinal), SampleDigest)
            .Replace("-f infrastructure-values.yaml", "-f " + Helm.InfrastructureValues, StringComparison.Ordinal);
        var words = Words(filled);
        Assert.Equal(["clip-workers", "charts/clip-workers"], words.Take(2));

        // The guide's -n comes after TemplateAsync's --namespace and wins: the chart checks it against the identity's.
        var arguments = words.Skip(2).ToList();
        var namespaceAt = arguments.IndexOf("-n");
        Assert.True(namespaceAt >= 0 && arguments[namespaceAt + 1] == ChartValues.ProductionNamespace, "the guide installs into namespace clip, which the federated credential trusts");
        var result = await Helm.TemplateReleaseAsync(words[0], [.. arguments]);

        Assert.True(result.ExitCode == 0, result.Output);
        var manifests = Manifests.Parse(result.StandardOutput);
        var generated = await File.ReadAllTextAsync(Helm.InfrastructureValues);
        foreach (var workload in new[] { manifests.One("Deployment"), manifests.One("CronJob") })
        {
            var account = manifests.Named("ServiceAccount", (string)PodSpecs.Of(workload)["serviceAccountName"]!);
            Assert.Contains($"clientId: \"{(string?)account["metadata"]!["annotations"]!["azure.workload.identity/client-id"]}\"", generated, StringComparison.Ordinal);
        }

        Assert.Contains($"identityId: \"{(string?)manifests.One("TriggerAuthentication")["spec"]!["podIdentity"]!["identityId"]}\"", generated, StringComparison.Ordinal);
        Assert.Contains("clip-prod-bus.servicebus.windows.net", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal($"ACR.azurecr.io/clip-worker@{SampleDigest}", (string?)PodSpecs.Container(manifests.One("Deployment"), "worker")["image"]);
        Assert.Equal($"ACR.azurecr.io/clip-training@{SampleDigest}", (string?)PodSpecs.Container(manifests.One("CronJob"), "retraining")["image"]);
    }

    [Fact]
    public async Task Guide_ReviewAppCommand_RendersTheAppAsItsOwnIdentityBehindItsAppRegistration()
    {
        const string TenantId = "00000000-0000-0000-0000-00000000ffff";
        const string AppId = "00000000-0000-0000-0000-00000000a991";
        var yaml = Regex.Match(Guide, @"cat > review-values\.yaml <<YAML\n(?<yaml>.*?\n)YAML\n", RegexOptions.Singleline).Groups["yaml"].Value;
        Assert.False(string.IsNullOrEmpty(yaml), "the guide writes no review-values.yaml");
        using var temp = new TemporaryDirectory();
        var reviewValues = temp.File("review-values.yaml");
        await File.WriteAllTextAsync(reviewValues, yaml.Replace("$TENANT_ID", TenantId, StringComparison.Ordinal).Replace("$APP_ID", AppId, StringComparison.Ordinal));

        var command = Regex.Matches(Guide, @"helm upgrade --install (?<body>(?:[^\n]*\\\n)*[^\n]*)").Select(m => m.Groups["body"].Value)
            .Single(body => body.Contains("-f review-values.yaml", StringComparison.Ordinal));
        var filled = DigestVariable().Replace(command.Replace("\\\n", " ", StringComparison.Ordinal), SampleDigest)
            .Replace("-f infrastructure-values.yaml", "-f " + Helm.InfrastructureValues, StringComparison.Ordinal)
            .Replace("-f review-values.yaml", "-f " + reviewValues, StringComparison.Ordinal);
        var words = Words(filled);
        var result = await Helm.TemplateReleaseAsync(words[0], [.. words.Skip(2)]);

        Assert.True(result.ExitCode == 0, result.Output);
        var manifests = Manifests.Parse(result.StandardOutput);
        var review = manifests.Named("Deployment", "clip-workers-review");
        var container = PodSpecs.Container(review, "review");
        Assert.Equal($"ACR.azurecr.io/clip-review@{SampleDigest}", (string?)container["image"]);
        Assert.Equal(AppId, PodSpecs.EnvValue(container, "AzureAd__ClientId"));
        Assert.Equal(TenantId, PodSpecs.EnvValue(container, "AzureAd__TenantId"));
        // The pod's own identity comes from the generated values, and is not the app registration people sign in to.
        var identity = (string?)manifests.Named("ServiceAccount", (string)PodSpecs.Of(review)["serviceAccountName"]!)["metadata"]!["annotations"]!["azure.workload.identity/client-id"];
        Assert.Contains($"clientId: \"{identity}\"", await File.ReadAllTextAsync(Helm.InfrastructureValues), StringComparison.Ordinal);
        Assert.NotEqual(AppId, identity);
        Assert.Contains("review.example.com/signin-oidc", Guide, StringComparison.Ordinal);
        Assert.Equal("review.example.com", (string?)manifests.One("Ingress")["spec"]!["rules"]![0]!["host"]);
        Assert.Equal("true", PodSpecs.EnvValue(container, "Clip__Review__TrustForwardedHeaders"));
    }

    [Fact]
    public void Guide_DigestVariables_AreReadFromTheRegistryBeforeTheyAreUsed()
    {
        var used = DigestVariable().Matches(Guide).Select(m => m.Value[1..]).Distinct().ToList();

        Assert.Equal(["REVIEW_DIGEST", "TRAINING_DIGEST", "WORKER_DIGEST"], used.Order());
        Assert.All(used, name => Assert.Contains($"{name}=\"$(az acr repository show", Guide, StringComparison.Ordinal));
    }

    [Fact]
    public void Guide_FilesNamedByItsCommands_Exist()
    {
        // Files the guide's own commands write (az ... > outputs.json) are not in the repository.
        var written = Written().Matches(Guide).Select(m => m.Groups["path"].Value).ToHashSet();
        var named = FileArgument().Matches(Guide).Select(m => m.Groups["path"].Value).Where(p => !written.Contains(p)).Distinct().ToList();

        Assert.Contains("infra/main.bicep", named);
        Assert.Contains("infrastructure-values.yaml", written);
        Assert.Contains("src/Clip.Worker/Dockerfile", named);
        Assert.Contains("src/Clip.Review/Dockerfile", named);
        Assert.Contains("review-values.yaml", written);
        Assert.All(named, path => Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, path)), $"the guide names {path}, which does not exist"));
    }

    private static string ReadGuide()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md"));
        var start = readme.IndexOf("## Deploying to Azure", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no 'Deploying to Azure' section");
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        return readme[start..(end < 0 ? readme.Length : end)];
    }

    /// <summary>Splits a shell command line on spaces, honouring single quotes (the guide uses nothing fancier).</summary>
    private static List<string> Words(string line) =>
        [.. ShellWord().Matches(line).Select(m => m.Value.Replace("'", "", StringComparison.Ordinal))];

    [GeneratedRegex(@"(?:'[^']*'|[^\s'])+")]
    private static partial Regex ShellWord();

    [GeneratedRegex(@"(?:--template-file|--parameters|-f) (?<path>[\w./-]+)")]
    private static partial Regex FileArgument();

    [GeneratedRegex(@"> (?<path>[\w./-]+)")]
    private static partial Regex Written();

    [GeneratedRegex(@"\$[A-Z]+_DIGEST\b")]
    private static partial Regex DigestVariable();
}
