using System.Text.Json;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

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
