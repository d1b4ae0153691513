using System.Diagnostics;
using System.Globalization;
using Clip.Persistence;
using Clip.Review.Hosting;
using Clip.TestUtilities;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Clip.Benchmarks;

/// <summary>
/// <c>review [--images N] [--postgres] [--rounds 7]</c>: the review app's page times over a results database of N
/// labelled images (SQLite; with <c>--postgres</c> also a throwaway PostgreSQL server). The rows are made in SQL (three
/// labels per run, one run in ten abstained, one image in twenty re-labelled by a head, one in a hundred reviewed, runs
/// spread over 30 days), then the app is started in-process on loopback and each page is fetched over HTTP: the first
/// fetch (cold: the quality page's figures are then computed, later fetches reuse them for a minute), then the median
/// and slowest of the rounds after it. The queue pages hold 100 cards.
/// </summary>
internal static class ReviewThroughput
{
    private const string Model = "benchmark/review";
    private const string Taxonomy = "sha256:review-benchmark";

    public static async Task<int> RunAsync(string[] args)
    {
        var images = Option(args, "--images", 1_000_000);
        var rounds = Option(args, "--rounds", 7);
        using var temp = new TemporaryDirectory();
        var sqlite = temp.File("review.db");
        await MeasureAsync("SQLite", new PersistenceOptions { ConnectionString = $"Data Source={sqlite}" }, images, rounds, temp, SeedSqliteAsync);
        SqliteConnection.ClearAllPools();

        if (args.Contains("--postgres"))
        {
            await using var server = new PostgresServer();
            await server.InitializeAsync();
            var database = await server.CreateDatabaseAsync();
            await MeasureAsync("PostgreSQL 15", new PersistenceOptions { Provider = DatabaseProvider.Postgres, ConnectionString = database }, images, rounds, temp, SeedPostgresAsync);
            NpgsqlConnection.ClearAllPools();
        }

        return 0;
    }

    private static async Task MeasureAsync(
        string name, PersistenceOptions database, int images, int rounds, TemporaryDirectory temp, Func<PersistenceOptions, int, Task> seed)
    {
        await using (var store = new LabelStore(database))
        {
            await store.MigrateAsync();
        }

        var timer = Stopwatch.StartNew();
        await seed(database, images);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: made {images:N0} labelled images in SQL in {timer.Elapsed.TotalSeconds:0} s (setup, not a product figure)"));

        await using var app = ReviewApp.Build([], new Dictionary<string, string?>
        {
            ["Clip:Database:Provider"] = database.Provider.ToString(),
            ["Clip:Database:ConnectionString"] = database.ConnectionString,
            ["Clip:Review:Port"] = "0",
            ["Clip:Review:IndexRoot"] = temp.File("index-" + name.Split(' ')[0]),
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var set = $"model={Uri.EscapeDataString(Model)}&taxonomy={Uri.EscapeDataString(Taxonomy)}";
        var first = await http.GetStringAsync("/?" + set);
        var next = System.Text.RegularExpressions.Regex.Match(first, "href=\"(/\\?[^\"]*after=[^\"]*)\"").Groups[1].Value.Replace("&amp;", "&", StringComparison.Ordinal);
        var pages = new (string Title, string Path)[]
        {
            ("queue, first page, no filter", "/?" + set),
            ("queue, second page (cursor)", next),
            ("queue, one label", $"/?{set}&label=class-17"),
            ("queue, not yet reviewed", $"/?{set}&unreviewed=true"),
            ("queue, abstained only", $"/?{set}&abstained=yes"),
            ("queue, probability 0.60-0.65", $"/?{set}&pmin=0.6&pmax=0.65"),
            ("queue, head head-1 only", $"/?{set}&head=head-1"),
            ("queue, one day, not reviewed", $"/?{set}&from=2026-11-15&until=2026-11-15&unreviewed=true"),
            ("image page", "/images/12345"),
            ("quality page (every latest run aggregated)", "/quality?" + set),
        };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}, {images:N0} images, {Environment.ProcessorCount} cores: first fetch, then median / slowest of the {rounds} after it:"));
        foreach (var (title, path) in pages)
        {
            var times = new List<double>();
            var cards = 0;
            var firstMs = 0.0;
            for (var round = 0; round <= rounds; round++)
            {
                timer.Restart();
                using var response = await http.GetAsync(path);
                var html = await response.Content.ReadAsStringAsync();
                var ms = timer.Elapsed.TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{path}: HTTP {(int)response.StatusCode}");
                }

                cards = html.Split("<article class=\"card").Length - 1;
                if (round > 0)
                {
                    times.Add(ms);
                }
                else
                {
                    firstMs = ms;
                }
            }

            times.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {title,-46} {firstMs,8:0.0} ms  {times[times.Count / 2],8:0.0} ms  {times[^1],8:0.0} ms  ({cards} cards)"));
        }

        await app.StopAsync();
    }

    // Three labels per run; rank-1 probabilities spread over 0.3–1 by a hash of the id; label ids over 1,000 classes.
    private static async Task SeedSqliteAsync(PersistenceOptions database, int images)
    {
        await using var connection = new SqliteConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var p = new { N = images };
        const string Series = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @N) ";
        const string At = "strftime('%Y-%m-%d %H:%M:%S', '2026-11-01', '+' || ((i * 2591) % 2592000) || ' seconds') || '.000+00:00'";
        await connection.ExecuteAsync(Series + $"""
            INSERT INTO images (id, source_uri, etag_or_hash, size_bytes, width, height, status, first_seen, last_seen)
            SELECT i, 'https://bench.blob.core.windows.net/images/' || i || '.jpg', '"0x1"', 1000, 640, 480, 'labelled', {At}, {At} FROM n
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync(Series + $"""
            INSERT INTO label_runs (id, image_id, model_id, taxonomy_version, head_version, abstained, abstain_reason, created_at)
            SELECT i, i, '{Model}', '{Taxonomy}', NULL, i % 10 = 0, CASE WHEN i % 10 = 0 THEN 'below_threshold' END, {At} FROM n
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync(Series + $"""
            INSERT INTO label_runs (id, image_id, model_id, taxonomy_version, head_version, abstained, abstain_reason, created_at)
            SELECT @N + i, i, '{Model}', '{Taxonomy}', 'head-1', 0, NULL, '2026-12-01 00:00:00.000+00:00' FROM n WHERE i % 20 = 0
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync($"""
            INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
            SELECT id, 'class-' || ((id * 31) % 1000), 'class ' || ((id * 31) % 1000), 30.0, 0.3, 0.3 + 0.7 * ((id * 7919) % 10007) / 10007.0, 1 FROM label_runs
            UNION ALL SELECT id, 'class-' || ((id * 31 + 1) % 1000), 'x', 29.0, 0.29, 0.1, 2 FROM label_runs
            UNION ALL SELECT id, 'class-' || ((id * 31 + 2) % 1000), 'y', 28.0, 0.28, 0.05, 3 FROM label_runs
            """, transaction: transaction, commandTimeout: 0);
        await connection.ExecuteAsync(Series + """
            INSERT INTO feedback (image_id, label_id, taxonomy_version, verified_by, verified_at)
            SELECT i, 'class-' || ((i * 31) % 1000), @Taxonomy, 'bench', '2026-12-01 00:00:00.000+00:00' FROM n WHERE i % 100 = 0
            """, new { N = images, Taxonomy }, transaction, commandTimeout: 0);
        await connection.ExecuteAsync(
            "INSERT INTO class_matrices (model_id, taxonomy_version, matrix, created_at) VALUES (@Model, @Taxonomy, x'00', '2026-12-01 00:00:00.000+00:00')",
            new { Model, Taxonomy }, transaction);
        await transaction.CommitAsync();
        await connection.ExecuteAsync("ANALYZE main", commandTimeout: 0);
    }

    private static async Task SeedPostgresAsync(PersistenceOptions database, int images)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var p = new { N = images, Model, Taxonomy };
        const string At = "timestamptz '2026-11-01 00:00:00+00' + make_interval(secs => (i::bigint * 2591) % 2592000)";
        await connection.ExecuteAsync($"""
            INSERT INTO images (id, source_uri, etag_or_hash, size_bytes, width, height, status, first_seen, last_seen) OVERRIDING SYSTEM VALUE
            SELECT i, 'https://bench.blob.core.windows.net/images/' || i || '.jpg', '"0x1"', 1000, 640, 480, 'labelled', {At}, {At} FROM generate_series(1, @N) i
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync($"""
            INSERT INTO label_runs (id, image_id, model_id, taxonomy_version, head_version, abstained, abstain_reason, created_at) OVERRIDING SYSTEM VALUE
            SELECT i, i, @Model, @Taxonomy, NULL, i % 10 = 0, CASE WHEN i % 10 = 0 THEN 'below_threshold' END, {At} FROM generate_series(1, @N) i
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync("""
            INSERT INTO label_runs (id, image_id, model_id, taxonomy_version, head_version, abstained, abstain_reason, created_at) OVERRIDING SYSTEM VALUE
            SELECT @N + i, i, @Model, @Taxonomy, 'head-1', false, NULL, timestamptz '2026-12-01 00:00:00+00' FROM generate_series(1, @N) i WHERE i % 20 = 0
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync("""
            INSERT INTO labels (run_id, label_id, display_name, score, cosine, probability, rank)
            SELECT id, 'class-' || ((id * 31) % 1000), 'class ' || ((id * 31) % 1000), 30.0, 0.3, 0.3 + 0.7 * ((id * 7919) % 10007) / 10007.0, 1 FROM label_runs
            UNION ALL SELECT id, 'class-' || ((id * 31 + 1) % 1000), 'x', 29.0, 0.29, 0.1, 2 FROM label_runs
            UNION ALL SELECT id, 'class-' || ((id * 31 + 2) % 1000), 'y', 28.0, 0.28, 0.05, 3 FROM label_runs
            """, transaction: transaction, commandTimeout: 0);
        await connection.ExecuteAsync("""
            INSERT INTO feedback (image_id, label_id, taxonomy_version, verified_by, verified_at)
            SELECT i, 'class-' || ((i * 31) % 1000), @Taxonomy, 'bench', timestamptz '2026-12-01 00:00:00+00' FROM generate_series(1, @N) i WHERE i % 100 = 0
            """, p, transaction, commandTimeout: 0);
        await connection.ExecuteAsync(
            "INSERT INTO class_matrices (model_id, taxonomy_version, matrix, created_at) VALUES (@Model, @Taxonomy, '\\x00'::bytea, now())",
            p, transaction);
        await connection.ExecuteAsync("SELECT setval(pg_get_serial_sequence('images', 'id'), @N * 2); SELECT setval(pg_get_serial_sequence('label_runs', 'id'), @N * 2)", p, transaction);
        await transaction.CommitAsync();
        await connection.ExecuteAsync("VACUUM ANALYZE", commandTimeout: 0);
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
