using Clip.TestUtilities;
using Npgsql;

namespace Clip.Persistence.Tests.Authentication;

/// <summary>
/// <c>infra/sql/retrainer-role.sql</c>, the retraining job's grants, on a real server: an administrator migrates and
/// the workers and reviewers fill the tables; then the store calls a retraining run makes, signed in as the retraining
/// job's role with a token, read the training set, store a candidate and promote it, while schema changes, labelling
/// and feedback writes and changes to a stored head's weights are refused.
/// </summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class RetrainerRoleTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const string Token = "retrainer-token";

    private static readonly string[] Shapes = ["circle", "square", "circle"];

    private LabelStore _admin = null!;
    private LabelStore _retrainer = null!;
    private string _retrainerConnectionString = null!;

    public async Task InitializeAsync()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync(Token, ownsDatabase: false);
        _retrainerConnectionString = connectionString;
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        var adminConnectionString = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;

        _admin = new LabelStore(new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = adminConnectionString });
        await _admin.MigrateAsync();
        for (var i = 0; i < Shapes.Length; i++)
        {
            var source = Source(i);
            await _admin.WriteBatchAsync([Outcomes.Labelled(source, labels: [Shapes[i]]) with { Embedding = new[] { 0.6f, 0.8f, (float)i } }]);
            await _admin.AddFeedbackAsync(new FeedbackEntry(source, null, Shapes[i], Outcomes.Taxonomy, "reviewer", null));
        }

        await _admin.SaveHeadAsync(Head("head-1"));
        await _admin.PromoteHeadAsync("head-1");

        await RoleScripts.GrantAsync(adminConnectionString, "retrainer-role.sql", role);

        _retrainer = new LabelStore(
            new PersistenceOptions { Provider = DatabaseProvider.Postgres, Authentication = DatabaseAuthentication.Entra, ConnectionString = connectionString },
            credential: new ScriptedTokenCredential(ScriptedTokenCredential.Token(Token, TimeSpan.FromHours(1))));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _retrainer.Dispose();
        _admin.Dispose();
    }

    [Fact]
    public async Task RetrainingCalls_WithTheDocumentedGrants_StoreAndPromoteTheCandidate()
    {
        // In the order RetrainingJob makes them: the class matrix (shared with the workers), the training set, the
        // promoted head it must beat, then the candidate, stored and promoted.
        Assert.Null(await _retrainer.FindClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy));
        await _retrainer.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3]);
        Assert.Equal([1, 2, 3], await _retrainer.FindClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy));
        var training = await _retrainer.ReadTrainingSetAsync(Outcomes.Model, Outcomes.Taxonomy, batchSize: 2).ToListAsync();
        var promoted = await _retrainer.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        var current = await _retrainer.GetHeadAsync(promoted!.Version);
        await _retrainer.SaveHeadAsync(Head("head-2"));
        await _retrainer.PromoteHeadAsync("head-2");

        Assert.Equal(Shapes, training.Select(t => t.LabelId));
        Assert.Equal([0.6f, 0.8f, 2f], training[^1].Embedding);
        Assert.Equal("head-1", current?.Version);
        Assert.Equal("head-2", (await _admin.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy))?.Version);
        // The promotion went into the history: rolling back returns to the head promoted before it.
        Assert.Equal("head-1", await _admin.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy));
    }

    [Fact]
    public async Task MigrateAsync_AsTheRetrainerRole_IsRefused()
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => _retrainer.MigrateAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }

    [Fact]
    public async Task LabellingAndFeedbackWrites_AsTheRetrainerRole_AreRefused()
    {
        var labels = await Assert.ThrowsAsync<PostgresException>(() =>
            _retrainer.WriteBatchAsync([Outcomes.Labelled("https://acct.blob.core.windows.net/in/new.jpg", labels: ["cat"])]));
        var feedback = await Assert.ThrowsAsync<PostgresException>(() =>
            _retrainer.AddFeedbackAsync(new FeedbackEntry(Source(0), null, "square", Outcomes.Taxonomy, "retraining", null)));
        var duplicates = await Assert.ThrowsAsync<PostgresException>(() => _retrainer.ReplaceDuplicateGroupsAsync(Outcomes.Model, [], 0.95));

        Assert.All([labels, feedback, duplicates], e => Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState));
        Assert.Equal(Shapes.Length, (await _admin.CountFeedbackAsync(Outcomes.Model, Outcomes.Taxonomy)).Sum(c => c.Images));
    }

    [Theory]
    [InlineData("UPDATE heads SET weights = '\\x00'::bytea WHERE version = 'head-1'")]
    [InlineData("UPDATE heads SET metrics = '{\"accuracy\": 1}' WHERE version = 'head-1'")]
    [InlineData("DELETE FROM heads WHERE version = 'head-1'")]
    [InlineData("DELETE FROM head_promotions")]
    [InlineData("DELETE FROM embeddings")]
    [InlineData("ALTER TABLE heads ADD COLUMN note text")]
    public async Task StoredHeadsAndResults_ChangedAsTheRetrainerRole_AreRefused(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(_retrainerConnectionString) { Password = Token };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);

        var e = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        // ALTER TABLE needs ownership, which the role lacks; the others need privileges it was not granted.
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        Assert.NotNull(await _admin.GetHeadAsync("head-1"));
    }

    private static string Source(int i) => $"https://acct.blob.core.windows.net/in/{i}.jpg";

    private static StoredHead Head(string version) =>
        new(version, Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3], "{}", 0.25, "{}", DateTimeOffset.UtcNow);
}
