using System.Globalization;
using System.Text.RegularExpressions;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Cli.Tests;

public sealed partial class TaxonomyAndEvalCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task TaxonomyList_ShowsThePapersTaxonomiesWithTheirSizes()
    {
        var result = await CliProcess.RunAsync("taxonomy", "list");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.OutputLines, l => l.StartsWith("imagenet ", StringComparison.Ordinal) && l.Contains("1000 classes  80 templates", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.StartsWith("imagenet-7 ", StringComparison.Ordinal) && l.Contains("7 templates", StringComparison.Ordinal));
        Assert.Contains(result.OutputLines, l => l.StartsWith("cifar10 ", StringComparison.Ordinal) && l.Contains("10 classes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TaxonomyValidate_BrokenFile_ListsEveryProblemWithItsPath()
    {
        var file = _temp.File("broken.json");
        await File.WriteAllTextAsync(file, """
            {"name": "broken", "templates": ["a photo of a thing."],
             "classes": [{"id": "cat", "names": ["cat"]}, {"id": "cat", "names": [" "]}], "colour": 1}
            """);

        var result = await CliProcess.RunAsync("taxonomy", "validate", file);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("$.templates[0]", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("$.classes[1]", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("$.colour", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_RenderedShapes_ReportsBothPromptSettingsAboveChance()
    {
        var folder = RenderFolder(perCombination: 1, seed: 11);

        var result = await CliProcess.RunAsync("eval", folder, "--taxonomy", "tiny-shapes", "--device", "cpu");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("42 images in 6 classes", result.StandardOutput, StringComparison.Ordinal);
        var single = Top1(result.OutputLines, "single template");
        var ensemble = Top1(result.OutputLines, "ensemble of 3 templates");
        Assert.True(single > 1.0 / 6 && ensemble > 1.0 / 6, result.StandardOutput);
    }

    [Fact]
    public async Task Eval_UnreadableImageAmongGood_SkipsItNamingItAndMeasuresTheRest()
    {
        var folder = RenderFolder(perCombination: 1, seed: 13);
        var broken = Path.Combine(folder, "circle", "broken.png");
        await File.WriteAllTextAsync(broken, "not a png at all");

        var result = await CliProcess.RunAsync("eval", folder, "--taxonomy", "tiny-shapes", "--device", "cpu");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"clip: skipped {broken}: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("42 images in 6 classes", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Eval_FolderThatIsNotAClass_FailsNamingIt()
    {
        var folder = RenderFolder(perCombination: 1, seed: 12);
        Directory.CreateDirectory(Path.Combine(folder, "pentagon"));

        var result = await CliProcess.RunAsync("eval", folder, "--taxonomy", "tiny-shapes", "--device", "cpu");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("not class ids of tiny-shapes: pentagon", result.StandardError, StringComparison.Ordinal);
    }

    private string RenderFolder(int perCombination, int seed)
    {
        var root = _temp.File("folder-" + seed.ToString(CultureInfo.InvariantCulture));
        var random = new Random(seed);
        for (var k = 0; k < perCombination; k++)
        {
            foreach (var (colour, shape) in SyntheticWorld.TrainingCombinations)
            {
                Directory.CreateDirectory(Path.Combine(root, shape));
                using var image = SyntheticWorld.Render(colour, shape, random);
                image.SaveAsPng(Path.Combine(root, shape, $"{colour}-{k}.png"));
            }
        }

        return root;
    }

    private static double Top1(IReadOnlyList<string> lines, string prefix)
    {
        var line = lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(Percent().Match(line).Groups[1].Value, CultureInfo.InvariantCulture) / 100;
    }

    [GeneratedRegex(@"(\d+\.\d) ?%")]
    private static partial Regex Percent();
}
