using System.Globalization;
using System.Net;
using Clip.TestUtilities;

namespace Clip.Review.Tests.Pages;

[Collection(LabelledSamplesDefinition.Name)]
public sealed class QueueTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Queue_NoFilter_ShowsEveryImageLeastConfidentFirst()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        var (cards, next) = await server.GetQueueAsync();

        Assert.Equal(TopLabels(database).OrderBy(l => l.Probability).Select(l => l.ImageId), cards);
        Assert.Null(next);
    }

    [Fact]
    public async Task Queue_LabelFilter_ShowsOnlyImagesWithThatTopLabel()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        var (cards, _) = await server.GetQueueAsync("?label=star");

        Assert.Equal(
            new[] { Sql.ImageId(database, "red-star.png"), Sql.ImageId(database, "yellow-star.jpg") }.Order(),
            cards.Order());
    }

    [Fact]
    public async Task Queue_ProbabilityBand_ShowsOnlyImagesWhoseTopProbabilityLiesInIt()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        var expected = TopLabels(database).Where(l => l.Probability is >= 0.5 and <= 0.96).OrderBy(l => l.Probability).Select(l => l.ImageId).ToList();

        var (cards, _) = await server.GetQueueAsync("?pmin=0.5&pmax=0.96");

        Assert.InRange(expected.Count, 2, LabelledSamples.Count - 2); // the band cuts the samples on both sides
        Assert.Equal(expected, cards);
    }

    [Theory]
    [InlineData("?pmin=0.9&pmax=0.1")]
    [InlineData("?pmin=2")]
    [InlineData("?abstained=maybe")]
    [InlineData("?after=not-a-cursor")]
    [InlineData("?pmin=abc")]
    [InlineData("?from=2026-13-45")]
    public async Task Queue_BadFilter_Answers400WithTheReasonAndNoCards(string query)
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri("/" + query, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("class=\"problem\" role=\"alert\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-image-id=", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_UnreadableNumberAndDate_NamesBothInsteadOfDroppingTheFilters()
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri("/?pmin=abc&until=soon", UriKind.Relative));

        Assert.Contains("These values cannot be read (a number or a yyyy-MM-dd date is expected): pmin=abc, until=soon.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Queue_UnreviewedOnly_HidesAnImageOnceItHasAVerdict()
    {
        var database = samples.CopyDatabase(_temp);
        var reviewed = Sql.ImageId(database, "blue-triangle.png");
        await using var server = await ReviewServer.StartAsync(database);
        var (before, _) = await server.GetQueueAsync("?unreviewed=true");

        using var verdict = await server.PostVerdictAsync(reviewed, Sql.TaxonomyVersion(database), "triangle", "accept", await server.GetAntiforgeryTokenAsync());
        var (after, _) = await server.GetQueueAsync("?unreviewed=true");
        var (all, _) = await server.GetQueueAsync();

        Assert.Equal(HttpStatusCode.OK, verdict.StatusCode);
        Assert.Equal(LabelledSamples.Count, before.Count);
        Assert.Equal(before.Where(id => id != reviewed), after);
        Assert.Contains(reviewed, all);
    }

    [Fact]
    public async Task Queue_SmallPages_ShowEveryImageExactlyOnceInOrder()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database, new Dictionary<string, string?> { ["Clip:Review:PageSize"] = "3" });
        var seen = new List<long>();
        var pages = 0;

        for (string? query = ""; query is not null; pages++)
        {
            var (cards, next) = await server.GetQueueAsync(query.TrimStart('/'));
            Assert.InRange(cards.Count, 1, 3);
            seen.AddRange(cards);
            query = next;
        }

        Assert.Equal(3, pages);
        Assert.Equal(TopLabels(database).OrderBy(l => l.Probability).Select(l => l.ImageId), seen);
    }

    [Fact]
    public async Task Queue_HeadFilterZeroShot_ShowsTheZeroShotRunsAndAnUnknownHeadShowsNone()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        var (zeroShot, _) = await server.GetQueueAsync("?head=none");
        var (unknownHead, _) = await server.GetQueueAsync("?head=head-that-never-was");

        Assert.Equal(LabelledSamples.Count, zeroShot.Count);
        Assert.Empty(unknownHead);
    }

    private static List<(long ImageId, double Probability)> TopLabels(string database) =>
        [.. Sql.Rows(database, "SELECT r.image_id, l.probability FROM labels l JOIN label_runs r ON r.id = l.run_id WHERE l.rank = 1")
            .Select(r => (long.Parse(r[0]!, CultureInfo.InvariantCulture), double.Parse(r[1]!, CultureInfo.InvariantCulture)))];
}
