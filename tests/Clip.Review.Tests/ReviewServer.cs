using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Clip.Review.Hosting;
using Clip.TestUtilities;
using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;

namespace Clip.Review.Tests;

/// <summary>
/// The review app on a free loopback port over one SQLite file, as <c>clip review</c> starts it, with a client that
/// keeps cookies (the anti-forgery cookie) and does not follow redirects.
/// </summary>
public sealed partial class ReviewServer : IAsyncDisposable
{
    public const string Reviewer = "local:test-reviewer";

    private readonly WebApplication _app;
    private readonly TemporaryDirectory _index;

    private ReviewServer(WebApplication app, TemporaryDirectory index, string database)
    {
        _app = app;
        _index = index;
        Database = database;
        BaseAddress = new Uri(app.Urls.Single());
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress };
    }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string Database { get; }

    /// <summary>The settings <c>clip review --db FILE --port 0 --reviewer ...</c> would pass, plus <paramref name="extra"/>.</summary>
    public static Dictionary<string, string?> Settings(string database, string indexRoot, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Clip:Database:Provider"] = "Sqlite",
            ["Clip:Database:ConnectionString"] = $"Data Source={database}",
            ["Clip:Review:Port"] = "0",
            ["Clip:Review:LocalReviewer"] = Reviewer,
            ["Clip:Review:IndexRoot"] = indexRoot,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task<ReviewServer> StartAsync(string database, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var index = new TemporaryDirectory();
        var app = ReviewApp.Build([], Settings(database, index.Path, extra));
        await app.StartAsync();
        return new ReviewServer(app, index, database);
    }

    /// <summary>The page's body, after checking it answered 200.</summary>
    public async Task<string> GetPageAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {body}");
        return body;
    }

    /// <summary>The image ids of the queue's cards, in page order, and the next page's link if there is one.</summary>
    public async Task<(IReadOnlyList<long> ImageIds, string? Next)> GetQueueAsync(string query = "")
    {
        var html = await GetPageAsync("/" + query);
        var ids = CardPattern().Matches(html).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        var next = NextPattern().Match(html);
        return (ids, next.Success ? WebUtility.HtmlDecode(next.Groups[1].Value) : null);
    }

    /// <summary>The anti-forgery token of the queue's verdict forms (its cookie lands in the client's container).</summary>
    public async Task<string> GetAntiforgeryTokenAsync()
    {
        var match = TokenPattern().Match(await GetPageAsync("/"));
        Assert.True(match.Success, "the queue page has no __RequestVerificationToken input");
        return match.Groups[1].Value;
    }

    /// <summary>Posts a verdict as the page's form does, with the token when one is given; JSON answers when asked.</summary>
    public async Task<HttpResponseMessage> PostVerdictAsync(long imageId, string taxonomyVersion, string labelId, string kind, string? token, bool json = true)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("imageId", imageId.ToString(CultureInfo.InvariantCulture)),
            new("taxonomy", taxonomyVersion),
            new("labelId", labelId),
            new("kind", kind),
            new("returnTo", "/"),
        };
        if (token is not null)
        {
            fields.Add(new("__RequestVerificationToken", token));
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/?handler=Verdict", UriKind.Relative)) { Content = new FormUrlEncodedContent(fields) };
        if (json)
        {
            request.Headers.Accept.ParseAdd("application/json");
        }

        return await Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _index.Dispose();
        SqliteConnection.ClearAllPools();
    }

    [GeneratedRegex("""<article class="card[^"]*" tabindex="0" data-image-id="(\d+)">""")]
    private static partial Regex CardPattern();

    [GeneratedRegex("""<a href="([^"]+)" id="next-page">""")]
    private static partial Regex NextPattern();

    [GeneratedRegex(""""name="__RequestVerificationToken" type="hidden" value="([^"]+)"""")]
    private static partial Regex TokenPattern();
}
