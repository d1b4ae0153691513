using System.Text.RegularExpressions;
using System.Xml.Linq;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests;

/// <summary>
/// The Dockerfiles cannot be built here (no container engine), so what can go stale is checked against the
/// repository: every path they copy or publish exists, the entry point is the project's assembly, and the chart
/// agrees with the images about the user and the model path.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string, string> Images => new()
    {
        { "src/Clip.Worker/Dockerfile", "src/Clip.Worker/Clip.Worker.csproj" },
        { "src/Clip.Training/Dockerfile", "src/Clip.Training/Clip.Training.csproj" },
        { "src/Clip.Review/Dockerfile", "src/Clip.Review/Clip.Review.csproj" },
    };

    /// <summary>Each image's setting for the baked-in model's folder, and for the cache it writes (which must be under /tmp).</summary>
    public static TheoryData<string, string, string> ModelSettings => new()
    {
        { "src/Clip.Worker/Dockerfile", "Clip__Inference__ModelPath", "Clip__ZeroShot__CacheDirectory" },
        { "src/Clip.Training/Dockerfile", "Clip__Inference__ModelPath", "Clip__ZeroShot__CacheDirectory" },
        { "src/Clip.Review/Dockerfile", "Clip__Review__ModelPath", "Clip__Review__IndexRoot" },
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_EveryCopiedPathExistsInTheRepository(string dockerfile, string project)
    {
        _ = project;
        var instructions = Instructions(dockerfile);
        var arguments = ArgumentDefaults(instructions);

        var copies = instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.Contains("--from=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in words.Take(words.Count - 1).Select(w => Substitute(w, arguments)))
            {
                var path = Path.Combine(TestPaths.RepositoryRoot, source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{dockerfile}: COPY {source} does not exist in the repository");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_PublishesItsProject_AndRunsItsAssembly(string dockerfile, string project)
    {
        var instructions = Instructions(dockerfile);

        var publish = instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        var published = PublishedProject().Match(publish.Arguments).Groups["project"].Value;
        Assert.Equal(Path.GetDirectoryName(project), published.TrimEnd('/'));
        Assert.True(File.Exists(Path.Combine(TestPaths.RepositoryRoot, project)), project);

        var assemblyName = XDocument.Load(Path.Combine(TestPaths.RepositoryRoot, project)).Descendants("AssemblyName").SingleOrDefault()?.Value
            ?? Path.GetFileNameWithoutExtension(project);
        var entrypoint = instructions.Last(i => i.Keyword == "ENTRYPOINT").Arguments;
        Assert.Equal($"[\"dotnet\", \"{assemblyName}.dll\"]", entrypoint);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_RunsAsTheChartsNonRootUser(string dockerfile, string project)
    {
        _ = project;
        var user = Instructions(dockerfile).Last(i => i.Keyword == "USER").Arguments;
        var values = File.ReadAllText(Path.Combine(Helm.ChartDirectory, "values.yaml"));

        Assert.Matches(@"^[1-9]\d*:[1-9]\d*$", user);
        Assert.Contains($"runAsUser: {user.Split(':')[0]}", values, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ModelSettings))]
    public void Dockerfile_ModelPathIsTheChartsImageModelPath(string dockerfile, string modelPathSetting, string cacheSetting)
    {
        var instructions = Instructions(dockerfile);
        var environment = string.Join(' ', instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));
        var values = File.ReadAllText(Path.Combine(Helm.ChartDirectory, "values.yaml"));
        var defaultModel = Path.Combine(TestPaths.RepositoryRoot, ArgumentDefaults(instructions)["MODEL_DIR"]);

        Assert.True(File.Exists(Path.Combine(defaultModel, "config.json")), $"MODEL_DIR's default {defaultModel} is not a model bundle");
        Assert.Contains(instructions, i => i.Keyword == "COPY" && i.Arguments == "${MODEL_DIR}/ /app/models/model/");

        var modelPath = Regex.Match(environment, modelPathSetting + @"=(\S+)").Groups[1].Value;
        Assert.Equal("/app/models/model", modelPath);
        Assert.Contains($"imagePath: {modelPath}", values, StringComparison.Ordinal);
        Assert.Matches(cacheSetting + "=/tmp/", environment);
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Dockerfile_TurnsOnnxRuntimeTelemetryOffBeforeTheProcessStarts(string dockerfile, string project)
    {
        _ = project;
        var environment = string.Join(' ', Instructions(dockerfile).Where(i => i.Keyword == "ENV").Select(i => i.Arguments));

        // The process sets it too (OnnxRuntimeEnvironment); in the image it holds even for code that loads ONNX Runtime first.
        Assert.Contains("ORT_DISABLE_TELEMETRY=1", environment, StringComparison.Ordinal);
    }

    [Fact]
    public void WorkerDockerfile_UsesTheGpuBuildOnCudaAndExposesTheHealthPort()
    {
        var instructions = Instructions("src/Clip.Worker/Dockerfile");
        var arguments = ArgumentDefaults(instructions);

        Assert.Contains("-p:ClipGpu=true", instructions.Single(i => i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments, StringComparison.Ordinal);
        Assert.Matches(@"^nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu24\.04$", arguments["CUDA_IMAGE"]);
        Assert.Equal("8080", instructions.Single(i => i.Keyword == "EXPOSE").Arguments);
        Assert.Contains("Urls=http://+:8080", string.Join(' ', instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments)), StringComparison.Ordinal);
        Assert.Contains(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("libturbojpeg", StringComparison.Ordinal));
    }

    [Fact]
    public void ReviewDockerfile_UsesTheCpuBuildAndExposesItsLoopbackOnlyDefaultPort()
    {
        var instructions = Instructions("src/Clip.Review/Dockerfile");
        var environment = string.Join(' ', instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments));
        var options = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Clip.Review", "Hosting", "ReviewOptions.cs"));

        Assert.DoesNotContain("ClipGpu", instructions.Single(i => i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)).Arguments, StringComparison.Ordinal);
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", instructions.Last(i => i.Keyword == "FROM").Arguments);
        var port = instructions.Single(i => i.Keyword == "EXPOSE").Arguments;
        Assert.Contains($"public int Port {{ get; set; }} = {port};", options, StringComparison.Ordinal);
        // Listening beyond loopback needs sign-in configured, so the image leaves that to the chart.
        Assert.DoesNotContain("Clip__Review__Bind", environment, StringComparison.Ordinal);
        // The app binds its own endpoint; the base image's port would only make Kestrel warn that it overrides it.
        Assert.Contains("ASPNETCORE_HTTP_PORTS= ", environment + " ", StringComparison.Ordinal);
        Assert.Contains(instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("libturbojpeg", StringComparison.Ordinal));
    }

    [Fact]
    public void Dockerignore_KeepsBuildOutputAndToolsOutOfTheContext()
    {
        var entries = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, ".dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.Contains("**/bin", entries);
        Assert.Contains("**/obj", entries);
        Assert.Contains("tests/tools/node_modules", entries);
        Assert.Contains(".git", entries);
        Assert.DoesNotContain(entries, e => e is "src" or "src/" or "build" or "build/" or "*");
    }

    private sealed record Instruction(string Keyword, string Arguments);

    /// <summary>The Dockerfile's instructions, continuation lines joined and comments dropped.</summary>
    private static List<Instruction> Instructions(string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, dockerfile));
        var lines = text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')).ToList();
        var joined = string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal);
        return joined.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2))
            .Select(parts => new Instruction(parts[0].ToUpperInvariant(), parts.Length > 1 ? Regex.Replace(parts[1].Trim(), @"\s+", " ") : ""))
            .ToList();
    }

    private static Dictionary<string, string> ArgumentDefaults(List<Instruction> instructions) =>
        instructions.Where(i => i.Keyword == "ARG" && i.Arguments.Contains('=', StringComparison.Ordinal))
            .Select(i => i.Arguments.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1].Trim('"'));

    private static string Substitute(string word, Dictionary<string, string> arguments) =>
        ArgumentReference().Replace(word, m => arguments.TryGetValue(m.Groups["name"].Value, out var value)
            ? value
            : throw new Xunit.Sdk.XunitException($"ARG {m.Groups["name"].Value} has no default"));

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex ArgumentReference();

    [GeneratedRegex(@"dotnet publish (?<project>\S+)")]
    private static partial Regex PublishedProject();
}
