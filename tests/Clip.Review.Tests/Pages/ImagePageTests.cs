using System.Net;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Review.Tests.Pages;

[Collection(LabelledSamplesDefinition.Name)]
public sealed class ImagePageTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Image_LabelledImage_ShowsItsSourceTopLabelAndFullView()
    {
        var database = samples.CopyDatabase(_temp);
        var image = Sql.ImageId(database, "blue-circle.jpg");
        await using var server = await ReviewServer.StartAsync(database);

        var html = await server.GetPageAsync($"/images/{image}");

        Assert.Contains($"<img src=\"/images/{image}/view\"", html, StringComparison.Ordinal);
        Assert.Contains("blue-circle.jpg", html, StringComparison.Ordinal);
        Assert.Contains("square", html, StringComparison.Ordinal); // what the tiny model calls it
    }

    [Fact]
    public async Task Image_IdNotInTheDatabase_Returns404()
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri("/images/999999", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task FullView_LabelledImage_IsAJpegNoLargerThanTheOriginal()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        using var response = await server.Client.GetAsync(new Uri($"/images/{Sql.ImageId(database, "white-heart.png")}/view", UriKind.Relative));
        using var image = Image.Load(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((300, 300), (image.Width, image.Height));
    }

    [Fact]
    public async Task ImageVerdict_WithoutAntiforgeryToken_Returns400AndWritesNoFeedback()
    {
        var database = samples.CopyDatabase(_temp);
        var image = Sql.ImageId(database, "red-circle.png");
        await using var server = await ReviewServer.StartAsync(database);
        await server.GetPageAsync($"/images/{image}");
        var fields = new Dictionary<string, string> { ["taxonomy"] = Sql.TaxonomyVersion(database), ["labelId"] = "circle", ["kind"] = "accept" };

        using var response = await server.Client.PostAsync(new Uri($"/images/{image}?handler=Verdict", UriKind.Relative), new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }
}
