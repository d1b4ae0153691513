using BenchmarkDotNet.Attributes;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Benchmarks;

/// <summary>
/// Result writes: one batch of 256 images × 5 labels with a 512-float embedding, in one transaction. Times are per
/// image (each image is 8 rows: image, run, 5 labels, embedding), so images/s = 1 s / Mean. PostgreSQL runs on a
/// throwaway local server with fsync off, so it measures the statements, not the disk.
/// </summary>
[MemoryDiagnoser]
public class LabelStoreBenchmarks : IDisposable
{
    private const int BatchSize = 256;

    private PostgresServer? _server;
    private TemporaryDirectory? _directory;
    private LabelStore _store = null!;
    private LabelledImage[] _redelivered = null!;
    private int _round;

    [Params(DatabaseProvider.Sqlite, DatabaseProvider.Postgres)]
    public DatabaseProvider Provider { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        string connectionString;
        if (Provider == DatabaseProvider.Postgres)
        {
            _server = new PostgresServer();
            _server.InitializeAsync().GetAwaiter().GetResult();
            connectionString = _server.CreateDatabaseAsync().GetAwaiter().GetResult();
        }
        else
        {
            _directory = new TemporaryDirectory();
            connectionString = $"Data Source={_directory.File("clip.db")}";
        }

        _store = new LabelStore(new PersistenceOptions { Provider = Provider, ConnectionString = connectionString });
        _store.MigrateAsync().GetAwaiter().GetResult();
        _redelivered = Batch("redelivered");
        _store.WriteBatchAsync(_redelivered).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        GC.SuppressFinalize(this);
        _store?.Dispose();
        SqliteConnection.ClearAllPools();
        _server?.Dispose();
        _directory?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "new images, per image")]
    public Task NewImages() => _store.WriteBatchAsync(Batch($"round-{_round++}"));

    [Benchmark(OperationsPerInvoke = BatchSize, Description = "redelivered images (upsert), per image")]
    public Task RedeliveredImages() => _store.WriteBatchAsync(_redelivered);

    private static LabelledImage[] Batch(string prefix)
    {
        var random = new Random(42);
        return
        [
            .. Enumerable.Range(0, BatchSize).Select(i => new LabelledImage(
                $"https://account.blob.core.windows.net/images/{prefix}/{i:D4}.jpg",
                $"\"0x8DC{i:X8}\"",
                SizeBytes: 150_000 + i,
                Width: 1024,
                Height: 768,
                "openai/clip-vit-base-patch32",
                "sha256:benchmark-taxonomy",
                HeadVersion: null,
                [.. Enumerable.Range(0, 5).Select(r => new AssignedLabel($"class-{(i + r) % 100}", $"class {(i + r) % 100}", 0.9 - (0.1 * r), 0.3 - (0.01 * r), 0.5 / (r + 1), r + 1))],
                Abstained: false,
                AbstainReason: null,
                new StageTimings(2.5, 11.0, 14.0))
            {
                Embedding = Enumerable.Range(0, 512).Select(_ => (float)random.NextDouble()).ToArray(),
            }),
        ];
    }
}
