using Clip.TestUtilities;

namespace Clip.Review.Tests.EndToEnd;

/// <summary>Every page in a real browser, under the app's Content-Security-Policy: no refused script, style or image, no script error.</summary>
[Collection(LabelledSamplesDefinition.Name)]
public sealed class PageBrowserTests(LabelledSamples samples) : IDisposable
{
    private const string ImagesLoaded = "() => Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("/", "#queue .card")]
    [InlineData("/?abstained=no&unreviewed=true", "#queue .card")]
    [InlineData("/images/{red-star.png}", "#full-image")]
    [InlineData("/search?q=a+red+star", "main img")]
    [InlineData("/search?like={red-star.png}", "main img")]
    [InlineData("/quality", "main table")]
    public async Task Page_InHeadlessChromium_RendersWithItsImagesAndNoErrors(string path, string selector)
    {
        var database = samples.CopyDatabase(_temp);
        path = path.Replace("{red-star.png}", Sql.ImageId(database, "red-star.png").ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await using var server = await ReviewServer.StartAsync(database);
        await using var chromium = await HeadlessChromium.LaunchAsync();
        var (page, problems) = await chromium.NewPageAsync(server.BaseAddress);

        var response = await page.GotoAsync(new Uri(server.BaseAddress, path).ToString());
        await page.Locator(selector).First.WaitForAsync();
        foreach (var image in await page.Locator("img").AllAsync())
        {
            await image.ScrollIntoViewIfNeededAsync(); // thumbnails load lazily
        }

        await page.WaitForFunctionAsync(ImagesLoaded);

        Assert.Equal(200, response?.Status);
        Assert.True(problems.Count == 0, "the browser reported: " + string.Join("; ", problems));
    }
}
