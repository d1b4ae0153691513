using System.Diagnostics;
using System.Globalization;
using Clip.Persistence;
using Clip.Search;
using Clip.TestUtilities;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Clip.Benchmarks;

/// <summary>
/// <c>search [--images N] [--dimension 512] [--refresh 10000] [--deletes 1000] [--queries 20] [--duplicates-up-to 200000]</c>:
/// the search index on synthetic unit vectors in a SQLite results database: build, warm query latency, incremental
/// refreshes (new rows and deleted images, by the deletion log and by the daily sweep), bytes per image, and
/// <c>clip duplicates</c>' time. One in a hundred vectors gets a near-copy, so groups exist. Rows
/// are timestamped as if workers wrote 100 images/s, so the refresh re-reads its overlap window's worth, as in use.
/// </summary>
internal static class SearchThroughput
{
    public static async Task<int> RunAsync(string[] args)
    {
        var images = Option(args, "--images", 100_000);
        var dimension = Option(args, "--dimension", 512);
        var refreshRows = Option(args, "--refresh", 10_000);
        var queries = Option(args, "--queries", 20);
        var duplicatesUpTo = Option(args, "--duplicates-up-to", 200_000);
        var deletes = Option(args, "--deletes", 1_000);
        using var temp = new TemporaryDirectory();
        var model = "benchmark/random-unit-vectors";
        // Rows arrive as from workers labelling 100 images/s, so a refresh re-reads only its overlap window's worth.
        var clock = new FlowClock(DateTimeOffset.UtcNow.AddHours(-6), imagesPerSecond: 100);
        await using var store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={temp.File("clip.db")};Pooling=true" }, timeProvider: clock);
        await store.MigrateAsync();
        var random = new Random(1);

        var timer = Stopwatch.StartNew();
        await WriteAsync(store, clock, model, dimension, 0, images, random);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wrote {images:N0} embeddings of {dimension} dimensions to SQLite in {timer.Elapsed.TotalSeconds:0.0} s (setup, not a product figure)"));


        var refreshClock = new MovableTime(); // Moved on by a day to make a refresh's daily sweep due.
        var search = new ImageSearch(store, temp.File("index"), refreshClock);
        timer.Restart();
        var built = await search.RefreshAsync(model, rebuild: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"index build from SQL: {built.Added:N0} images in {timer.Elapsed.TotalSeconds:0.00} s"));
        var folder = search.FolderFor(model);
        var bytes = Directory.GetFiles(folder, "segment-*.bin").Sum(f => new FileInfo(f).Length);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"index on disk: {bytes / 1048576.0:0.0} MiB, {(double)bytes / images / dimension:0.000} bytes per image per dimension (float16 vectors, plus 16 bytes of id and source hash per image)"));

        timer.Restart();
        using (var index = EmbeddingIndex.Open(folder, model)!)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"index open (memory-mapped): {timer.Elapsed.TotalMilliseconds:0.0} ms"));
            var latencies = new List<double>();
            for (var q = 0; q < queries + 2; q++)
            {
                var query = UnitVector(random, dimension);
                timer.Restart();
                var hits = index.Search(query, top: 20);
                if (q >= 2)
                {
                    latencies.Add(timer.Elapsed.TotalMilliseconds);
                }

                if (hits.Count != 20)
                {
                    throw new InvalidOperationException("the index returned fewer hits than asked");
                }
            }

            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"query, top 20 of {index.Count:N0}, warm, {Environment.ProcessorCount} cores: median {latencies[latencies.Count / 2]:0.0} ms, slowest {latencies[^1]:0.0} ms ({queries} queries after 2 warm-up)"));
        }

        var withSql = new List<double>();
        for (var q = 0; q < 5; q++)
        {
            timer.Restart();
            await search.SearchAsync(model, UnitVector(random, dimension), new SearchOptions(Top: 20, Refresh: false));
            withSql.Add(timer.Elapsed.TotalMilliseconds);
        }

        withSql.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"search with the hits described from SQL (open, rank, one SQL query): median {withSql[2]:0.0} ms"));

        // The same work twice: new rows and deleted images, found by the deletion log, then a day later by comparing
        // every id with SQL's (the daily sweep).
        var written = images;
        foreach (var sweep in new[] { false, true })
        {
            await WriteAsync(store, clock, model, dimension, written, refreshRows, random);
            written += refreshRows;
            await DeleteAsync(temp.File("clip.db"), deletes, written, random);
            refreshClock.Offset = sweep ? EmbeddingIndexBuilder.FullSweepEvery : TimeSpan.Zero;
            timer.Restart();
            var refresh = await search.RefreshAsync(model);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"incremental refresh{(refresh.Swept ? ", every id compared with SQL's (the daily sweep)" : ", deletions from the log")}: {refresh.Added:N0} new rows and {refresh.Dropped:N0} deleted in {timer.Elapsed.TotalSeconds:0.00} s (read {refresh.Read:N0}, now {refresh.Served:N0} served, compacted: {refresh.Compacted})"));
        }

        if (written <= duplicatesUpTo)
        {
            timer.Restart();
            var (groups, indexed) = await search.FindDuplicatesAsync(model, refresh: false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"duplicates over {indexed:N0} images: {groups.Count:N0} groups in {timer.Elapsed.TotalSeconds:0.0} s, written to duplicate_groups"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:0} MiB"));
        SqliteConnection.ClearAllPools();
        return 0;
    }

    /// <summary>Deletes <paramref name="count"/> random images of the first <paramref name="written"/>, as a user cleaning up would.</summary>
    private static async Task DeleteAsync(string database, int count, int written, Random random)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Foreign Keys=True");
        await connection.OpenAsync();
        var sources = Enumerable.Range(0, count).Select(_ => $"https://bench.blob.core.windows.net/images/{random.Next(written)}.jpg").ToArray();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("DELETE FROM images WHERE source_uri = @Source", sources.Select(s => new { Source = s }), transaction);
        await transaction.CommitAsync();
    }

    private static async Task WriteAsync(LabelStore store, FlowClock clock, string model, int dimension, int first, int count, Random random)
    {
        const int Batch = 2000;
        float[]? previous = null;
        for (var start = first; start < first + count; start += Batch)
        {
            var batch = new List<ImageOutcome>(Batch);
            for (var i = start; i < Math.Min(first + count, start + Batch); i++)
            {
                // One in a hundred is a near-copy of the image before it.
                var vector = i % 100 == 1 && previous is not null ? Perturbed(previous, random) : UnitVector(random, dimension);
                previous = vector;
                batch.Add(new LabelledImage(
                    $"https://bench.blob.core.windows.net/images/{i}.jpg", "\"0x1\"", 1000, 640, 480, model, "sha256:bench", null,
                    [new AssignedLabel("class-" + (i % 1000).ToString(CultureInfo.InvariantCulture), "c", 0.3, 0.3, 0.5, 1)], false, null, new StageTimings(0, 0, 0))
                {
                    Embedding = vector,
                });
            }

            await store.WriteBatchAsync(batch);
            clock.Advance(batch.Count);
        }
    }

    /// <summary>The time as seen by workers writing a steady flow of images.</summary>
    private sealed class FlowClock(DateTimeOffset start, double imagesPerSecond) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void Advance(int images) => _now += TimeSpan.FromSeconds(images / imagesPerSecond);

        public override DateTimeOffset GetUtcNow() => _now;
    }

    private static float[] UnitVector(Random random, int dimension)
    {
        var vector = new float[dimension];
        for (var i = 0; i < dimension; i++)
        {
            vector[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }

        Inference.Encoders.EmbeddingMatrix.TryNormaliseInPlace(vector);
        return vector;
    }

    private static float[] Perturbed(float[] vector, Random random)
    {
        var copy = vector.Select(v => v + (0.005f * (float)(random.NextDouble() - 0.5))).ToArray();
        Inference.Encoders.EmbeddingMatrix.TryNormaliseInPlace(copy);
        return copy;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
