using System.Text;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Worker.Tests;

/// <summary>The same files through <c>clip label</c> and through the worker's folder mode give the same result rows.</summary>
public sealed class LabelingAgreementTests : IDisposable
{
    private const string HeadVersion = "agreement-head";
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CliLabelAndWorker_SameFiles_WriteIdenticalRowsAndFailures(bool promotedHead)
    {
        var inbox = _temp.CopyFrom(TestPaths.Data("samples"), "inbox");
        await File.WriteAllTextAsync(Path.Combine(inbox, "broken.png"), "not a png at all");
        var jpeg = await File.ReadAllBytesAsync(TestPaths.Data("samples", "green-square.jpg"));
        await File.WriteAllBytesAsync(Path.Combine(inbox, "truncated.jpg"), jpeg[..(jpeg.Length / 3)]);
        var files = Directory.GetFiles(inbox).Length;
        var (cliDb, workerDb) = (_temp.File("cli.db"), _temp.File("worker.db"));
        if (promotedHead)
        {
            await PromoteTheSameHeadAsync(cliDb, workerDb);
        }

        var cli = await CliProcess.RunAsync("label", inbox, "--db", cliDb, "--device", "cpu");
        Assert.True(cli.ExitCode is 0 or 1, cli.StandardError);
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={workerDb}";
        var results = new SqliteResults(workerDb);
        await using (await WorkerRun.StartAsync(settings))
        {
            await WorkerRun.WaitUntilAsync(
                async () => await results.ScalarAsync("SELECT COUNT(*) FROM label_runs") + await results.ScalarAsync("SELECT COUNT(*) FROM failures") >= files,
                "the worker has an outcome for every file");
        }

        var fromCli = await RowsAsync(cliDb);
        var fromWorker = await RowsAsync(workerDb);
        Assert.Equal(fromCli, fromWorker);
        Assert.Contains("failure|", fromCli, StringComparison.Ordinal);
        Assert.Contains(promotedHead ? $"head={HeadVersion}" : "head=|", fromCli, StringComparison.Ordinal);
        Assert.DoesNotContain(promotedHead ? "head=|" : $"head={HeadVersion}", fromCli, StringComparison.Ordinal);
    }

    /// <summary>A deterministic head over the bundled model's tiny-shapes classes, stored and promoted in both databases.</summary>
    private async Task PromoteTheSameHeadAsync(params string[] databases)
    {
        using var model = ClipModel.Load(new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
        var engine = await LabelingEngine.CreateAsync(model, "tiny-shapes", new ClassMatrixCache(_temp.File("class-matrices"), NullLogger<ClassMatrixCache>.Instance));
        var classes = engine.State.Classifier.Classes;
        var random = new Random(7);
        var weights = Enumerable.Range(0, classes.Count * classes.Dimension).Select(_ => (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
        var bias = Enumerable.Range(0, classes.Count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var head = new ClassifierHead(HeadVersion, engine.ModelId, classes.ClassIds, weights, bias, classes.Dimension);
        foreach (var database in databases)
        {
            await using var store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={database}" }, NullLogger<LabelStore>.Instance);
            await store.MigrateAsync();
            await store.SaveHeadAsync(new StoredHead(head.Version, engine.ModelId, engine.TaxonomyVersion, ClassifierHeadCodec.Encode(head), "{}", 0.6, "{}", DateTimeOffset.UtcNow));
            await store.PromoteHeadAsync(head.Version);
        }
    }

    /// <summary>Every result and failure row a user would compare, one line each, in a stable order (ids and timings left out).</summary>
    private static async Task<string> RowsAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        var rows = new StringBuilder();
        await AppendAsync(connection, rows, """
            SELECT 'label|' || i.source_uri || '|' || i.etag_or_hash || '|' || i.size_bytes || '|' || i.width || 'x' || i.height || '|' || i.status
                || '|' || r.model_id || '|' || r.taxonomy_version || '|head=' || COALESCE(r.head_version, '') || '|' || r.abstained || '|' || COALESCE(r.abstain_reason, '')
                || '|' || l.rank || '|' || l.label_id || '|' || printf('%.9g|%.9g|%.9g', l.score, l.cosine, l.probability)
            FROM images i JOIN label_runs r ON r.image_id = i.id JOIN labels l ON l.run_id = r.id
            ORDER BY i.source_uri, l.rank
            """);
        await AppendAsync(connection, rows, """
            SELECT 'embedding|' || i.source_uri || '|' || hex(e.vector)
            FROM images i JOIN embeddings e ON e.image_id = i.id
            ORDER BY i.source_uri
            """);
        await AppendAsync(connection, rows, """
            SELECT 'failure|' || source_uri || '|' || COALESCE(etag_or_hash, '') || '|' || stage || '|' || reason FROM failures ORDER BY source_uri
            """);
        return rows.ToString();
    }

    private static async Task AppendAsync(SqliteConnection connection, StringBuilder rows, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Append(reader.GetString(0)).Append('\n');
        }
    }
}
