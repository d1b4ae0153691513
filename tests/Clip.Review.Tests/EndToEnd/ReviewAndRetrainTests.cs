using System.Globalization;
using System.Net;
using Clip.TestUtilities;
using Microsoft.Playwright;
using SixLabors.ImageSharp;
using Xunit.Abstractions;

namespace Clip.Review.Tests.EndToEnd;

/// <summary>
/// The review loop in a real browser: a reviewer filters the queue to what the model abstained on, accepts and
/// corrects cards with the keyboard and the picker; the verdicts become feedback rows, a retraining over them promotes
/// a head, and the next image labelled carries that head, which the queue's head filter then shows.
/// </summary>
public sealed class ReviewAndRetrainTests(ITestOutputHelper output) : IDisposable
{
    // The six shapes under code names the tiny model never saw (as in Clip.Training.Tests' RetrainingJobTests): zero-shot
    // is near chance, so many images abstain below 0.5, and verified labels give retraining something clear to learn.
    private const string CodeNameTaxonomy = """
        {
          "name": "shape-codenames",
          "description": "The tiny model's six shapes under names it never saw.",
          "templates": ["a photo of a {}."],
          "classes": [
            { "id": "circle", "names": ["zorblat"] },
            { "id": "square", "names": ["quimby"] },
            { "id": "triangle", "names": ["frobnik"] },
            { "id": "star", "names": ["wuzzle"] },
            { "id": "cross", "names": ["plinth"] },
            { "id": "heart", "names": ["grommet"] }
          ],
          "decision": { "mode": "single_label", "top_k": 6, "abstain_below_probability": 0.5 }
        }
        """;

    // RetrainingJobTests promotes with 30 verified images per shape; the eight samples come on top.
    private const int PerShape = 30;
    private const string CurrentCard = "() => Array.from(document.querySelectorAll('#queue .card')).findIndex(c => c.classList.contains('current'))";
    private const string VisibleImagesLoaded = "() => Array.from(document.images).filter(i => { const r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }).every(i => i.complete && i.naturalWidth > 0)";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Review_AbstainedCardsAcceptedAndCorrectedInTheBrowser_RetrainingPromotesAHeadTheNextImageIsLabelledWith()
    {
        var taxonomyFile = _temp.File("codenames.json");
        await File.WriteAllTextAsync(taxonomyFile, CodeNameTaxonomy);
        var images = _temp.CopyFrom(TestPaths.Data("samples"), "images");
        await RenderShapesAsync(images, SyntheticWorld.Shapes.Count * PerShape, seed: 11, prefix: "synthetic");
        var database = _temp.File("clip.db");
        await RunCliAsync("label", images, "--db", database, "--taxonomy", taxonomyFile, "--device", "cpu");
        var taxonomy = Sql.TaxonomyVersion(database);
        var runs = ReadRuns(database);
        Assert.Contains(runs.Values, r => r.Abstained);

        await using var server = await ReviewServer.StartAsync(database, new Dictionary<string, string?> { ["Clip:Review:Taxonomies:0"] = taxonomyFile });
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var (page, problems) = await chromium.NewPageAsync(server.BaseAddress);

        // Filter the queue to the abstentions with the form, as a reviewer would.
        await page.GotoAsync(server.BaseAddress.ToString());
        await page.SelectOptionAsync("select[name=abstained]", "yes");
        await page.ClickAsync("form#filters button[type=submit]");
        await page.WaitForURLAsync(url => url.Contains("abstained=yes", StringComparison.Ordinal));
        var cards = await page.Locator("#queue .card").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.imageId)");
        var shown = cards.Select(c => long.Parse(c, CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(shown);
        Assert.All(shown, id => Assert.True(runs[id].Abstained, $"image {id} is on the abstained queue but did not abstain"));
        Assert.Equal(
            runs.Values.Where(r => r.Abstained).OrderBy(r => r.Labels[0].Probability).ThenBy(r => r.RunId).Select(r => r.ImageId).Take(shown.Count),
            shown);
        Assert.Equal(
            ["circle", "square", "triangle", "star", "cross", "heart"],
            await page.Locator("datalist#classes option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)"));

        // a: accept a card the model got right; c + picker: correct one it got wrong; a digit: pick the right alternative.
        var accepted = shown.First(id => runs[id].Labels[0].LabelId == runs[id].Truth);
        var corrected = shown.First(id => runs[id].Labels[0].LabelId != runs[id].Truth);
        var picked = shown.First(id => id != corrected && runs[id].Labels[0].LabelId != runs[id].Truth);
        var pickedRank = runs[picked].Labels.Single(l => l.LabelId == runs[picked].Truth).Rank;

        await MoveToAsync(page, shown.IndexOf(accepted));
        await page.Keyboard.PressAsync("a");
        await ExpectVerdictAsync(page, accepted, runs[accepted].Labels[0].LabelId);

        await MoveToAsync(page, shown.IndexOf(corrected));
        await page.Keyboard.PressAsync("c");
        var picker = Card(page, corrected).Locator("form.correct input[name=labelId]");
        await Assertions.Expect(picker).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(runs[corrected].Truth);
        await page.Keyboard.PressAsync("Enter");
        await ExpectVerdictAsync(page, corrected, runs[corrected].Truth);

        await MoveToAsync(page, shown.IndexOf(picked));
        await page.Keyboard.PressAsync(pickedRank.ToString(CultureInfo.InvariantCulture));
        await ExpectVerdictAsync(page, picked, runs[picked].Truth);

        Assert.Equal(
            [
                [Id(accepted), runs[accepted].Labels[0].LabelId, taxonomy, ReviewServer.Reviewer, "review: accepted"],
                [Id(corrected), runs[corrected].Truth, taxonomy, ReviewServer.Reviewer, "review: corrected from " + runs[corrected].Labels[0].LabelId],
                [Id(picked), runs[picked].Truth, taxonomy, ReviewServer.Reviewer, "review: corrected from " + runs[picked].Labels[0].LabelId],
            ],
            Sql.Rows(database, "SELECT image_id, label_id, taxonomy_version, verified_by, note FROM feedback ORDER BY id"));

        await page.WaitForFunctionAsync(VisibleImagesLoaded);
        var screenshot = Path.Combine(TestPaths.RepositoryRoot, "docs", "review-queue.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot });
        output.WriteLine($"screenshot: {screenshot}");

        // Every other image verified through the same endpoint the page posts to, then one retraining run.
        var token = await server.GetAntiforgeryTokenAsync();
        foreach (var run in runs.Values.Where(r => r.ImageId != accepted && r.ImageId != corrected && r.ImageId != picked))
        {
            using var verdict = await server.PostVerdictAsync(run.ImageId, taxonomy, run.Truth, run.Labels[0].LabelId == run.Truth ? "accept" : "correct", token);
            Assert.Equal(HttpStatusCode.OK, verdict.StatusCode);
        }

        var retrain = await RunCliAsync("retrain", "--db", database, "--taxonomy", taxonomyFile, "--device", "cpu");
        output.WriteLine(retrain);
        Assert.StartsWith("retraining promoted:", retrain, StringComparison.Ordinal);
        var head = Sql.Scalar(database, "SELECT version FROM heads WHERE is_promoted = 1")!;
        Assert.Contains($"candidate {head} ", retrain, StringComparison.Ordinal);

        // The next image labelled is labelled with the promoted head, and the queue's head filter finds it.
        var next = _temp.File("next");
        await RenderShapesAsync(next, 1, seed: 99, prefix: "next");
        var nextFile = Directory.GetFiles(next).Single();
        await RunCliAsync("label", nextFile, "--db", database, "--taxonomy", taxonomyFile, "--device", "cpu");
        var nextImage = Sql.ImageId(database, Path.GetFileName(nextFile));
        Assert.Equal(head, Sql.Scalar(database, "SELECT head_version FROM label_runs WHERE image_id = @Id", ("@Id", nextImage)));

        await page.GotoAsync(new Uri(server.BaseAddress, "/?head=" + Uri.EscapeDataString(head)).ToString());
        Assert.Equal([Id(nextImage)], await page.Locator("#queue .card").EvaluateAllAsync<string[]>("cards => cards.map(c => c.dataset.imageId)"));
        await Assertions.Expect(Card(page, nextImage).Locator(".tag.head")).ToHaveTextAsync(head);
        await Assertions.Expect(page.Locator("select[name=head] option:checked")).ToHaveTextAsync(head + " (promoted)");
        Assert.True(problems.Count == 0, "the browser reported: " + string.Join("; ", problems));
    }

    private static ILocator Card(IPage page, long imageId) => page.Locator($"#queue .card[data-image-id='{imageId}']");

    private static string Id(long imageId) => imageId.ToString(CultureInfo.InvariantCulture);

    /// <summary>Moves the keyboard's current card with j and k only.</summary>
    private static async Task MoveToAsync(IPage page, int target)
    {
        var current = await page.EvaluateAsync<int>(CurrentCard);
        if (current < 0)
        {
            await page.Keyboard.PressAsync("j"); // the first key selects the first card
            current = 0;
        }

        for (; current < target; current++)
        {
            await page.Keyboard.PressAsync("j");
        }

        for (; current > target; current--)
        {
            await page.Keyboard.PressAsync("k");
        }

        Assert.Equal(target, await page.EvaluateAsync<int>(CurrentCard));
    }

    private static async Task ExpectVerdictAsync(IPage page, long imageId, string labelId)
    {
        var card = Card(page, imageId);
        await Assertions.Expect(card.Locator(".verdict")).ToHaveTextAsync($"reviewed: {labelId} by {ReviewServer.Reviewer}");
        await Assertions.Expect(card).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\breviewed\b"));
    }

    /// <summary>Renders <paramref name="count"/> scenes, the shapes in turn in random colours, named prefix-colour-shape-n.</summary>
    private static async Task RenderShapesAsync(string folder, int count, int seed, string prefix)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var shape = SyntheticWorld.Shapes[i % SyntheticWorld.Shapes.Count];
            var colour = SyntheticWorld.ColourNames[random.Next(SyntheticWorld.ColourNames.Count)];
            using var image = SyntheticWorld.Render(colour, shape, random);
            await image.SaveAsPngAsync(Path.Combine(folder, FormattableString.Invariant($"{prefix}-{colour}-{shape}-{i:000}.png")));
        }
    }

    private static async Task<string> RunCliAsync(params string[] arguments)
    {
        var result = await CliProcess.RunAsync(arguments);
        Assert.True(result.ExitCode == 0, $"clip {string.Join(' ', arguments)}: exit {result.ExitCode}\n{result.StandardError}");
        return result.StandardOutput;
    }

    /// <summary>Every image's run: its ranked labels and the shape its file name says it shows.</summary>
    private static Dictionary<long, Run> ReadRuns(string database)
    {
        var rows = Sql.Rows(database, """
            SELECT r.image_id, r.id, r.abstained, i.source_uri, l.label_id, l.probability, l.rank
            FROM label_runs r JOIN images i ON i.id = r.image_id JOIN labels l ON l.run_id = r.id
            ORDER BY r.image_id, l.rank
            """);
        return rows.GroupBy(r => long.Parse(r[0]!, CultureInfo.InvariantCulture)).ToDictionary(
            g => g.Key,
            g =>
            {
                var first = g.First();
                var name = Path.GetFileNameWithoutExtension(new Uri(first[3]!).LocalPath);
                return new Run(
                    g.Key,
                    long.Parse(first[1]!, CultureInfo.InvariantCulture),
                    first[2] == "1",
                    name.Split('-').Single(SyntheticWorld.Shapes.Contains),
                    [.. g.Select(r => new RankedLabel(r[4]!, double.Parse(r[5]!, CultureInfo.InvariantCulture), int.Parse(r[6]!, CultureInfo.InvariantCulture)))]);
            });
    }

    private sealed record RankedLabel(string LabelId, double Probability, int Rank);

    private sealed record Run(long ImageId, long RunId, bool Abstained, string Truth, IReadOnlyList<RankedLabel> Labels);
}
