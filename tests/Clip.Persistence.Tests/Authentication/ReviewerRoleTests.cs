using Clip.Persistence.Review;
using Clip.Search;
using Clip.TestUtilities;
using Dapper;
using Npgsql;

namespace Clip.Persistence.Tests.Authentication;

/// <summary>
/// <c>infra/sql/reviewer-role.sql</c> on a real server: an administrator migrates and labels, the review app's role
/// gets exactly those grants, and every call the review app makes (its queries, the heads list, search with its index
/// refresh, appending a verdict) succeeds as that role while changing verdicts, results, heads or the schema is refused.
/// </summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class ReviewerRoleTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const string Cat = "https://acct.blob.core.windows.net/in/cat.jpg";
    private const string Dog = "https://acct.blob.core.windows.net/in/dog.jpg";
    private const string CatCopy = "https://acct.blob.core.windows.net/in/cat-copy.jpg";
    private const string Etag = "\"0x8DC\"";

    private readonly TemporaryDirectory _indexes = new();
    private readonly MovableTime _time = new();
    private LabelStore _admin = null!;
    private LabelStore _reviewer = null!;
    private string _adminConnectionString = "";

    public async Task InitializeAsync()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync("reviewer-token", ownsDatabase: false);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        _adminConnectionString = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;

        _admin = new LabelStore(new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = _adminConnectionString });
        await _admin.MigrateAsync();
        await _admin.SaveHeadAsync(new StoredHead("head-1", Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3], "{}", 0.25, "{}", DateTimeOffset.UtcNow));
        await _admin.PromoteHeadAsync("head-1");
        await _admin.WriteBatchAsync([
            Outcomes.Labelled(Cat, labels: ["cat", "dog"]) with { Embedding = new[] { 0.6f, 0.8f, 0f } },
            Outcomes.Labelled(Dog, head: "head-1", labels: ["dog", "cat"]) with { Embedding = new[] { 0f, 0.6f, 0.8f } },
            Outcomes.Labelled(CatCopy, labels: ["cat"]) with { Embedding = new[] { 0.6f, 0.79f, 0.01f } }]);
        await _admin.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3]);
        var (cat, copy) = (await ImageIdAsync(Cat), await ImageIdAsync(CatCopy));
        await _admin.ReplaceDuplicateGroupsAsync(Outcomes.Model, [new DuplicateMember(cat, cat, 1.0), new DuplicateMember(cat, copy, 0.99)], 0.95);

        await RoleScripts.GrantAsync(_adminConnectionString, "reviewer-role.sql", role);

        _reviewer = new LabelStore(
            new PersistenceOptions { Provider = DatabaseProvider.Postgres, Authentication = DatabaseAuthentication.Entra, ConnectionString = connectionString },
            credential: new ScriptedTokenCredential(ScriptedTokenCredential.Token("reviewer-token", TimeSpan.FromHours(1))));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _reviewer.Dispose();
        _admin.Dispose();
        _indexes.Dispose();
    }

    [Fact]
    public async Task ReviewQueries_WithTheDocumentedGrants_Succeed()
    {
        var queries = new ReviewQueries(_reviewer);
        var cat = await ImageIdAsync(Cat);

        await queries.CheckSchemaAsync();
        var set = Assert.Single(await queries.ListLabelledSetsAsync());
        Assert.Equal((Outcomes.Model, Outcomes.Taxonomy), (set.ModelId, set.TaxonomyVersion));
        var queue = await queries.ReadQueueAsync(new QueueFilter(Outcomes.Model, Outcomes.Taxonomy), null, 2);
        Assert.Equal(2, queue.Cards.Count);
        Assert.Single((await queries.ReadQueueAsync(new QueueFilter(Outcomes.Model, Outcomes.Taxonomy), queue.Next, 2)).Cards);
        var narrowed = await queries.ReadQueueAsync(
            new QueueFilter(
                Outcomes.Model, Outcomes.Taxonomy, LabelId: "cat", Abstained: false, MinProbability: 0.5, MaxProbability: 0.9, Head: HeadFilter.ZeroShot,
                UnreviewedOnly: true, From: DateTimeOffset.UtcNow.AddDays(-1), Until: DateTimeOffset.UtcNow.AddDays(1)),
            null,
            10);
        Assert.Equal([CatCopy, Cat], narrowed.Cards.Select(c => c.SourceUri).Order(StringComparer.Ordinal));
        Assert.Equal(Cat, (await queries.GetImageAsync(cat))?.SourceUri);
        Assert.Equal(["cat", "dog"], Assert.Single(await queries.GetRunsAsync(cat)).Labels.Select(l => l.LabelId));
        Assert.Equal(CatCopy, Assert.Single(await queries.GetDuplicatesAsync(cat, Outcomes.Model)).SourceUri);
        Assert.Equal(["cat", "dog"], (await queries.ReadLabelQualityAsync(Outcomes.Model, Outcomes.Taxonomy)).Select(q => q.LabelId));
        Assert.Equal(["promote"], (await queries.ReadPromotionHistoryAsync(Outcomes.Model, Outcomes.Taxonomy)).Select(p => p.Action));
        Assert.Equal("head-1", Assert.Single(await _reviewer.ListHeadsAsync(Outcomes.Model, Outcomes.Taxonomy)).Version);

        await _reviewer.AddFeedbackAsync(new FeedbackEntry(Cat, Etag, "dog", Outcomes.Taxonomy, "reviewer@example.com", null));

        Assert.Equal("dog", Assert.Single(await queries.GetFeedbackAsync(cat)).LabelId);
        var reviewed = await queries.ReadQueueAsync(new QueueFilter(Outcomes.Model, Outcomes.Taxonomy, LabelId: "cat"), null, 10);
        Assert.Equal("dog", reviewed.Cards.Single(c => c.ImageId == cat).LatestVerdict?.LabelId);
        Assert.DoesNotContain(
            (await queries.ReadQueueAsync(new QueueFilter(Outcomes.Model, Outcomes.Taxonomy, UnreviewedOnly: true), null, 10)).Cards,
            c => c.ImageId == cat);
    }

    [Fact]
    public async Task Search_WithTheDocumentedGrants_RefreshesFollowsDeletionsAndSweeps()
    {
        var search = new ImageSearch(_reviewer, _indexes.Path, _time);

        var built = await search.RefreshAsync(Outcomes.Model);
        await using (var connection = new NpgsqlConnection(_adminConnectionString))
        {
            await connection.ExecuteAsync("DELETE FROM embeddings WHERE image_id = @Id", new { Id = await ImageIdAsync(Dog) });
        }

        var followed = await search.RefreshAsync(Outcomes.Model);
        _time.Offset += EmbeddingIndexBuilder.FullSweepEvery + TimeSpan.FromHours(1);
        var swept = await search.RefreshAsync(Outcomes.Model);
        var found = await search.SearchAsync(
            Outcomes.Model, [0.6f, 0.8f, 0f], new SearchOptions(Filter: new ImageFilter(Outcomes.Taxonomy, "cat"), Refresh: false));

        Assert.Equal((3L, true), (built.Served, built.Rebuilt));
        Assert.Equal((1, 2L, false), (followed.Dropped, followed.Served, followed.Swept));
        Assert.True(swept.Swept);
        Assert.Equal([Cat, CatCopy], found.Results.Select(r => r.Image.SourceUri));
    }

    [Fact]
    public async Task MigrateAsync_AsTheReviewerRole_IsRefused()
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => _reviewer.MigrateAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }

    [Theory]
    [InlineData("UPDATE feedback SET label_id = 'cat'")]
    [InlineData("DELETE FROM feedback")]
    [InlineData("INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank) SELECT id, 'fox', 'a fox', 1, 1, 1, 9 FROM label_runs")]
    [InlineData("UPDATE label_runs SET abstained = true")]
    [InlineData("DELETE FROM images")]
    [InlineData("INSERT INTO heads (version, taxonomy_version, model_id, weights, metrics, alpha, training, created_at) VALUES ('head-2', 't', 'm', '\\x00', '{}', 0.5, '{}', now())")]
    [InlineData("UPDATE heads SET is_promoted = false")]
    [InlineData("CREATE TABLE scratch (id integer)")]
    public async Task Changes_BeyondAppendingVerdicts_AreRefused(string sql)
    {
        await _reviewer.AddFeedbackAsync(new FeedbackEntry(Cat, Etag, "dog", Outcomes.Taxonomy, "reviewer@example.com", null));
        await using var connection = await _reviewer.OpenConnectionAsync(CancellationToken.None);

        var e = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(sql));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        Assert.Equal(1, await AsAdminScalarAsync("SELECT COUNT(*) FROM feedback WHERE label_id = 'dog'"));
    }

    [Fact]
    public async Task StoreWrites_OtherThanFeedback_AsTheReviewerRole_AreRefused()
    {
        var results = await Assert.ThrowsAsync<PostgresException>(() => _reviewer.WriteBatchAsync([Outcomes.Labelled(Cat, labels: ["fox"])]));
        var head = await Assert.ThrowsAsync<PostgresException>(() =>
            _reviewer.SaveHeadAsync(new StoredHead("head-2", Outcomes.Model, Outcomes.Taxonomy, [1], "{}", 0.5, "{}", DateTimeOffset.UtcNow)));
        var rollback = await Assert.ThrowsAsync<PostgresException>(() => _reviewer.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy));
        var duplicates = await Assert.ThrowsAsync<PostgresException>(() => _reviewer.ReplaceDuplicateGroupsAsync(Outcomes.Model, [], 0.95));

        Assert.All([results, head, rollback, duplicates], e => Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState));
    }

    private Task<long> ImageIdAsync(string source) =>
        AsAdminScalarAsync("SELECT id FROM images WHERE source_uri = @Source", new { Source = source });

    private async Task<long> AsAdminScalarAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        return await connection.ExecuteScalarAsync<long>(sql, parameters);
    }
}
