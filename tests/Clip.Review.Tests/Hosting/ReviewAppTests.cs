using System.Net;
using Clip.Persistence.Review;
using Clip.Review.Hosting;
using Clip.TestUtilities;

namespace Clip.Review.Tests.Hosting;

[Collection(LabelledSamplesDefinition.Name)]
public sealed class ReviewAppTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.168.1.10")]
    public void Build_NonLoopbackBindWithoutSignIn_ThrowsSayingSignInIsNeeded(string bind)
    {
        var settings = ReviewServer.Settings(samples.CopyDatabase(_temp), _temp.Path, new Dictionary<string, string?> { ["Clip:Review:Bind"] = bind });

        var e = Assert.Throws<ReviewConfigurationException>(() => ReviewApp.Build([], settings));

        Assert.Contains($"Clip:Review:Bind is {bind}, which is not loopback, and no sign-in is configured", e.Message, StringComparison.Ordinal);
        Assert.Contains("AzureAd:ClientId", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReviewCommand_BindAllAddressesWithoutSignIn_ExitsWithBadInputAndSaysSignInIsNeeded()
    {
        var database = samples.CopyDatabase(_temp);

        var result = await CliProcess.RunWithEnvironmentAsync(
            new Dictionary<string, string?> { ["AzureAd__ClientId"] = null },
            "review", "--db", database, "--bind", "0.0.0.0", "--port", "0", "--index", _temp.File("index"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Clip:Review:Bind is 0.0.0.0, which is not loopback, and no sign-in is configured", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DatabaseBeforeTheReviewMigration_ThrowsNamingTheSchemaVersions()
    {
        var database = samples.CopyDatabase(_temp);
        Sql.Execute(database, $"DELETE FROM schema_migrations WHERE version >= {ReviewQueries.RequiredSchemaVersion}");

        var e = Assert.Throws<ReviewConfigurationException>(() => ReviewApp.Build([], ReviewServer.Settings(database, _temp.Path)));

        Assert.Contains($"is at schema version {ReviewQueries.RequiredSchemaVersion - 1}; the review app needs {ReviewQueries.RequiredSchemaVersion}", e.Message, StringComparison.Ordinal);
        Assert.Contains("clip db migrate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_EmptyDatabase_ThrowsSayingItHasNoSchema()
    {
        var database = _temp.File("empty.db");
        Sql.Execute(database, "CREATE TABLE unrelated (id INTEGER)");

        var e = Assert.Throws<ReviewConfigurationException>(() => ReviewApp.Build([], ReviewServer.Settings(database, _temp.Path)));

        Assert.Contains("has no Clip.Workers schema", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MalformedConnectionString_ThrowsAConfigurationErrorNotACrash()
    {
        var settings = ReviewServer.Settings(_temp.File("unused.db"), _temp.Path);
        settings["Clip:Database:ConnectionString"] = "Data Source=x;No Such Keyword=1";

        var e = Assert.Throws<ReviewConfigurationException>(() => ReviewApp.Build([], settings));

        Assert.Contains("Clip:Database:ConnectionString", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/search")]
    [InlineData("/quality")]
    [InlineData("/thumbnails/999999")]
    [InlineData("/assets/review.js")]
    [InlineData("/no-such-page")]
    public async Task Responses_AnyPath_CarryContentSecurityPolicyAndNoSniff(string path)
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri(path, UriKind.Relative));

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.NotEqual(HttpStatusCode.InternalServerError, response.StatusCode);
    }

    [Fact]
    public async Task Queue_NobodySignedIn_ShowsTheLocalReviewersName()
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        var html = await server.GetPageAsync("/");

        Assert.Contains($"<span class=\"who\" id=\"reviewer\">{ReviewServer.Reviewer}</span>", html, StringComparison.Ordinal);
    }
}
