using System.Net;
using System.Security.Cryptography;
using Clip.TestUtilities;
using Npgsql;

namespace Clip.Worker.Tests;

/// <summary>The failure policy for a database that goes away: give the work back, never lose it, label it once the database returns.</summary>
public sealed class DatabaseOutageTests : IAsyncLifetime, IDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly TemporaryDirectory _temp = new();

    public Task InitializeAsync() => _postgres.InitializeAsync();

    public Task DisposeAsync() => _postgres.DisposeAsync();

    public void Dispose()
    {
        _postgres.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_PostgresDownWhileImagesArrive_GivesThemBackThenLabelsEachOnceItReturns()
    {
        var inbox = Path.Combine(_temp.Path, "inbox");
        Directory.CreateDirectory(inbox);
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Folder:RetryDelay"] = "00:00:00.200";
        settings["Clip:Folder:MaxAttempts"] = "1000";
        settings["Clip:Database:Provider"] = "postgres";
        settings["Clip:Database:ConnectionString"] = await _postgres.CreateDatabaseAsync();
        settings["Clip:Pipeline:RetryBudget"] = "00:00:00.100";
        settings["Clip:Pipeline:RetryDelay"] = "00:00:00.050";
        await using var worker = await WorkerRun.StartAsync(settings);
        using var http = new HttpClient { BaseAddress = worker.BaseAddress };
        var ready = new Uri(WorkerHostBuilderExtensions.ReadyPath, UriKind.Relative);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ready)).StatusCode);

        await _postgres.StopAsync();
        var names = new[] { "red-star.png", "green-square.jpg", "black-cross.jpg" };
        foreach (var name in names)
        {
            File.Copy(TestPaths.Data("samples", name), Path.Combine(inbox, name));
        }

        await WorkerRun.WaitUntilAsync(() => Task.FromResult(worker.Telemetry.Totals().ImagesGivenBack >= 2 * names.Length), "every image was given back at least twice");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(ready)).StatusCode);
        Assert.Equal(0, worker.Telemetry.Totals().ImagesLabelled);

        await _postgres.StartAgainAsync();
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(worker.Telemetry.Totals().ImagesLabelled == names.Length), "the images are labelled after the database returns");

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ready)).StatusCode);
        foreach (var (name, expected) in names.Zip(["star", "square", "cross"]))
        {
            var path = Path.Combine(inbox, name);
            var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path)));
            var run = Assert.Single(await worker.Store.GetRunsAsync(new Uri(path).AbsoluteUri, hash));
            Assert.Equal(expected, run.Labels[0].LabelId);
        }

        Assert.Empty(await worker.Store.GetFailuresAsync());
    }

    [Fact]
    public async Task Worker_PostgresDownFiveMinutesFromTheMiddleOfAWrite_LabelsEveryImageWithNoDeadLetterAndAtMostThreeDeliveries()
    {
        const int Images = 300;
        const string SlowBlob = "img-060.png";
        await using var scope = await OutageScope.StartAsync(_temp);
        var database = await _postgres.CreateDatabaseAsync();
        scope.Settings["Clip:Database:Provider"] = "postgres";
        scope.Settings["Clip:Database:ConnectionString"] = database;
        await using var worker = await WorkerRun.StartAsync(scope.Settings);

        // The write transaction holding this blob's result sleeps inside PostgreSQL, so the outage begins mid-write.
        await ExecuteAsync(database, $$"""
            CREATE FUNCTION slow_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.source_uri LIKE '%/{{SlowBlob}}' THEN PERFORM pg_sleep(60); END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER slow_write BEFORE INSERT ON images FOR EACH ROW EXECUTE FUNCTION slow_write();
            """);
        await scope.UploadAndSendAsync(Images);
        await WorkerRun.WaitUntilAsync(
            async () => await ScalarAsync(_postgres.AdminConnectionString, "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") > 0,
            "a results write is in progress inside PostgreSQL",
            TimeSpan.FromMinutes(2));
        var completedAtStop = scope.Queue.CompletedCount;

        await _postgres.StopAsync();
        await Task.Delay(TimeSpan.FromMinutes(5));
        await _postgres.StartAgainAsync();
        await ExecuteAsync(database, "DROP TRIGGER slow_write ON images");
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == Images && q.ActiveCount == 0 && q.LockedCount == 0, TimeSpan.FromMinutes(3));

        Assert.InRange(completedAtStop, 0, Images - 100);
        Assert.Empty(scope.Queue.DeadLetters);
        var deliveries = scope.Queue.Completed.Select(m => m.DeliveryCount).ToList();
        Assert.True(deliveries.Max() <= 3, $"a message was delivered {deliveries.Max()} times");
        Assert.InRange(deliveries.Count(d => d > 1), 0, 16 + 4);
        Assert.Equal(Images, await ScalarAsync(database, "SELECT COUNT(DISTINCT image_id) FROM label_runs"));
        Assert.Equal(Images, await ScalarAsync(database, "SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(1, await ScalarAsync(database, $"SELECT COUNT(*) FROM images WHERE source_uri LIKE '%/{SlowBlob}'"));
        Assert.Equal(0, await ScalarAsync(database, "SELECT COUNT(*) FROM failures"));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
