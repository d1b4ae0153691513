using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Cli.Tests;

public sealed class LabelCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private string Samples() => _temp.CopyFrom(TestPaths.Data("samples"), "samples");

    private static long Scalar(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Label_PromotedHead_IsUsedAndRecordedByDefaultAndLeftOutWithZeroShot()
    {
        var samples = Samples();
        var (promoted, zeroShot) = (_temp.File("promoted.db"), _temp.File("zero-shot.db"));
        await PromoteAlwaysHeartAsync(promoted);
        await PromoteAlwaysHeartAsync(zeroShot);

        var byDefault = await CliProcess.RunAsync("label", samples, "--db", promoted, "--device", "cpu");
        var withoutHead = await CliProcess.RunAsync("label", samples, "--db", zeroShot, "--device", "cpu", "--head", "zero-shot");

        Assert.True(byDefault.ExitCode == 0, byDefault.StandardError);
        Assert.Contains("head always-heart", byDefault.StandardError, StringComparison.Ordinal);
        Assert.Equal(8, Scalar(promoted, "SELECT COUNT(*) FROM label_runs WHERE head_version = 'always-heart'"));
        Assert.Equal(8, Scalar(promoted, "SELECT COUNT(*) FROM labels WHERE rank = 1 AND label_id = 'heart'"));
        Assert.True(withoutHead.ExitCode == 0, withoutHead.StandardError);
        Assert.Equal(8, Scalar(zeroShot, "SELECT COUNT(*) FROM label_runs WHERE head_version IS NULL"));
        Assert.True(Scalar(zeroShot, "SELECT COUNT(*) FROM labels WHERE rank = 1 AND label_id = 'heart'") < 8);
    }

    [Fact]
    public async Task Label_UnknownHeadVersion_FailsAsBadInputNamingIt()
    {
        var result = await CliProcess.RunAsync("label", Samples(), "--db", _temp.File("labels.db"), "--device", "cpu", "--head", "no-such-head");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--head no-such-head: No head no-such-head is stored.", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>Stores and promotes a head over the bundled model's tiny-shapes classes that always says "heart".</summary>
    private async Task PromoteAlwaysHeartAsync(string database)
    {
        using var model = ClipModel.Load(new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
        var engine = await LabelingEngine.CreateAsync(model, "tiny-shapes", new ClassMatrixCache(_temp.File("class-matrices"), NullLogger<ClassMatrixCache>.Instance));
        var classes = engine.State.Classifier.Classes;
        var bias = classes.ClassIds.Select(id => id == "heart" ? 50f : 0f).ToArray();
        var head = new ClassifierHead("always-heart", engine.ModelId, classes.ClassIds, new float[classes.Count * classes.Dimension], bias, classes.Dimension);
        await using var store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={database}" }, NullLogger<LabelStore>.Instance);
        await store.MigrateAsync();
        await store.SaveHeadAsync(new StoredHead(head.Version, engine.ModelId, engine.TaxonomyVersion, ClassifierHeadCodec.Encode(head), "{}", 1.0, "{}", DateTimeOffset.UtcNow));
        await store.PromoteHeadAsync(head.Version);
    }

    [Fact]
    public async Task Label_SamplesTwice_WritesOneResultPerImageAndSkipsTheSecondTime()
    {
        var samples = Samples();
        var db = _temp.File("labels.db");

        var first = await CliProcess.RunAsync("label", samples, "--db", db, "--device", "cpu");
        var second = await CliProcess.RunAsync("label", samples, "--db", db, "--device", "cpu");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("labelled 8,", first.StandardError, StringComparison.Ordinal);
        Assert.Contains("skipped (already labelled) 8", second.StandardError, StringComparison.Ordinal);
        Assert.Equal(8, Scalar(db, "SELECT COUNT(*) FROM images WHERE status = 'labelled'"));
        Assert.Equal(8, Scalar(db, "SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(8, Scalar(db, "SELECT COUNT(*) FROM labels WHERE rank = 1"));
        Assert.Equal(8, Scalar(db, "SELECT COUNT(*) FROM embeddings"));
    }

    [Fact]
    public async Task Label_CorruptImageAmongGood_RecordsAFailureAndLabelsTheRest()
    {
        var samples = Samples();
        await File.WriteAllTextAsync(Path.Combine(samples, "broken.png"), "not a png at all");
        var db = _temp.File("labels.db");

        var result = await CliProcess.RunAsync("label", samples, "--db", db, "--device", "cpu", "--json");

        Assert.Equal(1, result.ExitCode);
        var rows = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(9, rows.Count);
        var failed = Assert.Single(rows, r => r.GetProperty("status").GetString() == "failed");
        Assert.EndsWith("broken.png", failed.GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Scalar(db, "SELECT COUNT(*) FROM failures WHERE reason = 'unknown_format' AND stage = 'decode'"));
        Assert.Equal(8, Scalar(db, "SELECT COUNT(*) FROM label_runs"));
    }

    [Fact]
    public async Task DbMigrate_NewFileThenAgain_CreatesTheSchemaOnce()
    {
        var db = _temp.File("fresh.db");

        var first = await CliProcess.RunAsync("db", "migrate", "--db", db);
        var second = await CliProcess.RunAsync("db", "migrate", "--db", db);

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.StartsWith("applied migration(s) 1, 2, 3", first.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("schema up to date", second.StandardOutput.Trim());
        Assert.Equal(0, Scalar(db, "SELECT COUNT(*) FROM label_runs"));
    }

    [Fact]
    public async Task Label_MissingPath_FailsBeforeTouchingTheDatabase()
    {
        var db = _temp.File("labels.db");

        var result = await CliProcess.RunAsync("label", _temp.File("nowhere"), "--db", db);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file or folder", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(db));
    }
}
