using Clip.TestUtilities;
using Npgsql;

namespace Clip.Persistence.Tests.Authentication;

/// <summary>
/// <c>infra/sql/worker-role.sql</c>, the grants infra/README.md tells the Entra administrator to run, on a real server:
/// an administrator migrates, the workers' role gets exactly those grants, and the worker's own calls (signed in with a
/// token) succeed while schema changes and head changes are refused.
/// </summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class WorkerRoleTests(PostgresServer server) : IAsyncLifetime, IDisposable
{
    private const string Source = "https://acct.blob.core.windows.net/in/a.jpg";

    private LabelStore _admin = null!;
    private LabelStore _worker = null!;

    public async Task InitializeAsync()
    {
        var (role, connectionString) = await server.CreatePasswordLoginAsync("worker-token", ownsDatabase: false);
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        var adminConnectionString = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = database }.ConnectionString;

        _admin = new LabelStore(new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = adminConnectionString });
        await _admin.MigrateAsync();
        await _admin.SaveHeadAsync(new StoredHead("head-1", Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3], "{}", 0.25, "{}", DateTimeOffset.UtcNow));
        await _admin.PromoteHeadAsync("head-1");

        await RoleScripts.GrantAsync(adminConnectionString, "worker-role.sql", role);

        _worker = new LabelStore(
            new PersistenceOptions { Provider = DatabaseProvider.Postgres, Authentication = DatabaseAuthentication.Entra, ConnectionString = connectionString },
            credential: new ScriptedTokenCredential(ScriptedTokenCredential.Token("worker-token", TimeSpan.FromHours(1))));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _worker.Dispose();
        _admin.Dispose();
    }

    [Fact]
    public async Task WorkerCalls_WithTheDocumentedGrants_Succeed()
    {
        await _worker.PingAsync();
        var promoted = await _worker.GetPromotedHeadAsync(Outcomes.Model, Outcomes.Taxonomy);
        Assert.Equal("head-1", promoted?.Version);
        Assert.NotNull(await _worker.GetHeadAsync("head-1"));

        await _worker.WriteBatchAsync([
            Outcomes.Labelled(Source, head: "head-1", labels: ["cat", "dog"]) with { Embedding = new[] { 0.6f, 0.8f, 0f } },
            Outcomes.Failed("https://acct.blob.core.windows.net/in/b.jpg")]);
        // The same image again replaces its run's labels and upserts its embedding.
        await _worker.WriteBatchAsync([Outcomes.Labelled(Source, head: "head-1", labels: ["dog"]) with { Embedding = new[] { 0f, 0.6f, 0.8f } }]);
        await _worker.WriteBatchAsync([Outcomes.Failed("https://acct.blob.core.windows.net/in/b.jpg")]);

        var ids = await _worker.ReadEmbeddedImageIdsAsync(Outcomes.Model);
        var id = Assert.Single(ids);
        Assert.Single(await _worker.FindEmbeddedAsync([id], Outcomes.Model));
        Assert.Single(await _worker.FindLabelledAsync([new ImageVersion(Source, "\"0x8DC\"")], Outcomes.Model, Outcomes.Taxonomy, "head-1"));
        Assert.Single(await _worker.DescribeImagesAsync([id], Outcomes.Model));
        await _worker.ReplaceDuplicateGroupsAsync(Outcomes.Model, [new DuplicateMember(id, id, 1.0)], 0.95);
        await _worker.ReplaceDuplicateGroupsAsync(Outcomes.Model, [], 0.95);
        Assert.Empty(await _worker.ReadEmbeddingDeletionsAsync(Outcomes.Model, afterId: 0, deletedSince: null));
        Assert.Null(await _worker.ReadLatestEmbeddingDeletionAsync());
        await _worker.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3]);
        Assert.Equal([1, 2, 3], await _worker.FindClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy));

        var run = Assert.Single(await _admin.GetRunsAsync(Source, "\"0x8DC\""));
        Assert.Equal(["dog"], run.Labels.Select(l => l.LabelId));
    }

    [Fact]
    public async Task MigrateAsync_AsTheWorkerRole_IsRefused()
    {
        var e = await Assert.ThrowsAsync<PostgresException>(() => _worker.MigrateAsync());

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
    }

    [Fact]
    public async Task HeadChangesAndFeedback_AsTheWorkerRole_AreRefused()
    {
        var head = await Assert.ThrowsAsync<PostgresException>(() =>
            _worker.SaveHeadAsync(new StoredHead("head-2", Outcomes.Model, Outcomes.Taxonomy, [1], "{}", 0.5, "{}", DateTimeOffset.UtcNow)));
        var promote = await Assert.ThrowsAsync<PostgresException>(() => _worker.RollbackHeadAsync(Outcomes.Model, Outcomes.Taxonomy));
        await _worker.WriteBatchAsync([Outcomes.Labelled(Source, labels: ["cat"])]);
        var feedback = await Assert.ThrowsAsync<PostgresException>(() => _worker.CountFeedbackAsync(Outcomes.Model, Outcomes.Taxonomy));

        Assert.All([head, promote, feedback], e => Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState));
    }
}
