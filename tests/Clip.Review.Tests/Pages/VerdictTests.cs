using System.Net;
using System.Text.Json;
using Clip.TestUtilities;

namespace Clip.Review.Tests.Pages;

[Collection(LabelledSamplesDefinition.Name)]
public sealed class VerdictTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task PostVerdict_WithoutAntiforgeryToken_Returns400AndWritesNoFeedback()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        await server.GetAntiforgeryTokenAsync(); // the cookie alone is not enough

        using var response = await server.PostVerdictAsync(Sql.ImageId(database, "red-circle.png"), Sql.TaxonomyVersion(database), "circle", "accept", token: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task PostVerdict_TokenFromAnotherSession_Returns400AndWritesNoFeedback()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        await using var other = await ReviewServer.StartAsync(database);
        await server.GetAntiforgeryTokenAsync();
        var foreignToken = await other.GetAntiforgeryTokenAsync();

        using var response = await server.PostVerdictAsync(Sql.ImageId(database, "red-circle.png"), Sql.TaxonomyVersion(database), "circle", "accept", foreignToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task PostVerdict_CorrectionWithToken_WritesOneFeedbackRowUnderTheReviewersName()
    {
        var database = samples.CopyDatabase(_temp);
        var image = Sql.ImageId(database, "blue-circle.jpg"); // the tiny model calls it a square
        var taxonomy = Sql.TaxonomyVersion(database);
        await using var server = await ReviewServer.StartAsync(database);
        var token = await server.GetAntiforgeryTokenAsync();

        using var response = await server.PostVerdictAsync(image, taxonomy, "circle", "correct", token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("circle", ReviewServer.Reviewer), (body.RootElement.GetProperty("labelId").GetString(), body.RootElement.GetProperty("reviewer").GetString()));
        var row = Assert.Single(Sql.Rows(database, "SELECT image_id, label_id, taxonomy_version, verified_by, note FROM feedback"));
        Assert.Equal([image.ToString(System.Globalization.CultureInfo.InvariantCulture), "circle", taxonomy, ReviewServer.Reviewer, "review: corrected from square"], row);
    }

    [Fact]
    public async Task PostVerdict_PlainFormPost_RedirectsToALocalReturnAddressOnly()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        var token = await server.GetAntiforgeryTokenAsync();
        var fields = new Dictionary<string, string>
        {
            ["imageId"] = Sql.ImageId(database, "red-circle.png").ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["taxonomy"] = Sql.TaxonomyVersion(database),
            ["labelId"] = "circle",
            ["kind"] = "accept",
            ["returnTo"] = "https://evil.example/phish",
            ["__RequestVerificationToken"] = token,
        };

        using var response = await server.Client.PostAsync(new Uri("/?handler=Verdict", UriKind.Relative), new FormUrlEncodedContent(fields));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
        Assert.Equal(["circle", "review: accepted"], Assert.Single(Sql.Rows(database, "SELECT label_id, note FROM feedback")));
    }

    [Theory]
    [InlineData("rhombus")]
    [InlineData("Circle ")] // class ids are matched exactly, not by case
    [InlineData("' OR 1=1 --")]
    public async Task PostVerdict_LabelNotAClassOfTheTaxonomy_Returns400AndWritesNoFeedback(string label)
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        var token = await server.GetAntiforgeryTokenAsync();

        using var response = await server.PostVerdictAsync(Sql.ImageId(database, "red-circle.png"), Sql.TaxonomyVersion(database), label, "correct", token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not a class of the taxonomy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task PostVerdict_ImageNotInTheDatabase_Returns404AndWritesNoFeedback()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        var token = await server.GetAntiforgeryTokenAsync();

        using var response = await server.PostVerdictAsync(999_999, Sql.TaxonomyVersion(database), "circle", "accept", token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }

    [Fact]
    public async Task PostVerdict_TaxonomyTheImageWasNotLabelledWith_Returns400AndWritesNoFeedback()
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);
        var token = await server.GetAntiforgeryTokenAsync();
        var colours = Inference.Taxonomies.StandardTaxonomies.Load("tiny-colours").Version;

        using var response = await server.PostVerdictAsync(Sql.ImageId(database, "red-circle.png"), colours, "red", "correct", token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("0", Sql.Scalar(database, "SELECT COUNT(*) FROM feedback"));
    }
}
