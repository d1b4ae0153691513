using Clip.TestUtilities;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Clip.Persistence.Tests;

/// <summary>The contract on the embedded default: a SQLite file in a temp folder per test.</summary>
public sealed class SqliteLabelStoreTests : LabelStoreContract, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    protected override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task<string> CreateDatabaseAsync() => Task.FromResult($"Data Source={_directory.File("clip.db")}");

    private protected override async Task<string> ExplainAsync(string sql, DynamicParameters parameters)
    {
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        var steps = await connection.QueryAsync<(long Id, long Parent, long NotUsed, string Detail)>("EXPLAIN QUERY PLAN " + sql, parameters);
        return string.Join('\n', steps.Select(s => s.Detail));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    public void Dispose() => _directory.Dispose();
}

/// <summary>The same contract on a real PostgreSQL server: one database per test.</summary>
[Collection(PostgresServerDefinition.Name)]
public sealed class PostgresLabelStoreTests(PostgresServer server) : LabelStoreContract
{
    protected override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override Task<string> CreateDatabaseAsync() => server.CreateDatabaseAsync();

    private protected override async Task<string> ExplainAsync(string sql, DynamicParameters parameters)
    {
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        return string.Join('\n', await connection.QueryAsync<string>("EXPLAIN " + sql, parameters));
    }

    [Fact]
    public async Task ReadEmbeddingDeletionsAsync_Truncate_LogsThatEverythingMayBeGone()
    {
        await Store.WriteBatchAsync([WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/a.jpg", labels: ["cat"]), 0.1f)]);

        await ExecuteAsync("TRUNCATE images CASCADE");

        var logged = Assert.Single(await Store.ReadEmbeddingDeletionsAsync(Outcomes.Model, afterId: 0, deletedSince: null));
        Assert.Null(logged.ImageId);
        Assert.Equal(0, await CountAsync("embeddings"));
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresServerDefinition : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
