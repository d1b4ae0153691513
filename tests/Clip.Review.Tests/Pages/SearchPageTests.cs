using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Clip.TestUtilities;

namespace Clip.Review.Tests.Pages;

[Collection(LabelledSamplesDefinition.Name)]
public sealed partial class SearchPageTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Search_Text_ListsEveryIndexedImageWithTheRedStarFirst()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        var results = ResultIds(await server.GetPageAsync("/search?q=a+red+star"));

        Assert.Equal(Sql.ImageId(database, "red-star.png"), results[0]);
        Assert.Equal(LabelledSamples.Count, results.Distinct().Count());
    }

    [Fact]
    public async Task Search_ByExample_ListsTheOtherImagesAndLeavesTheExampleOut()
    {
        var database = samples.CopyDatabase(_temp);
        var heart = Sql.ImageId(database, "white-heart.png");
        await using var server = await ReviewServer.StartAsync(database);

        var results = ResultIds(await server.GetPageAsync($"/search?like={heart}"));

        Assert.Equal(LabelledSamples.Count - 1, results.Distinct().Count());
        Assert.DoesNotContain(heart, results);
    }

    [Theory]
    [InlineData("/search?q=star&since=2026-99-99")]
    [InlineData("/search?q=star&top=lots")]
    [InlineData("/search?q=star&top=0")]
    public async Task Search_UnreadableOrOutOfRangeValue_Answers400WithTheReasonAndNoResults(string path)
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri(path, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("class=\"problem\" role=\"alert\"", html, StringComparison.Ordinal);
        Assert.Empty(ResultIds(html));
    }

    private static List<long> ResultIds(string html) =>
        [.. ResultPattern().Matches(html).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex("""<article class="card" data-image-id="(\d+)">""")]
    private static partial Regex ResultPattern();
}
