using System.Globalization;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Cli.Tests;

public sealed class FeedbackAndHeadsCommandTests : IDisposable
{
    private const string Model = "clip-workers/tiny-clip-v1";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task FeedbackAdd_LabelledSample_RecordsTheVerdictAgainstTheLabelledContent()
    {
        var samples = _temp.CopyFrom(TestPaths.Data("samples"), "samples");
        var db = _temp.File("labels.db");
        Assert.Equal(0, (await CliProcess.RunAsync("label", samples, "--db", db, "--device", "cpu")).ExitCode);

        var result = await CliProcess.RunAsync("feedback", "add", Path.Combine(samples, "red-circle.png"), "circle", "--db", db, "--by", "alice", "--note", "checked by eye");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("recorded circle for file://", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(
            ["circle", "alice", "checked by eye", "1", "1"],
            Row(db, """
                SELECT f.label_id, f.verified_by, f.note,
                       i.source_uri LIKE '%/red-circle.png',
                       f.taxonomy_version = (SELECT r.taxonomy_version FROM label_runs r WHERE r.image_id = i.id)
                FROM feedback f JOIN images i ON i.id = f.image_id
                """));
    }

    [Fact]
    public async Task FeedbackAdd_ImageNeverLabelled_ExitsWithBadInputAndSaysToLabelItFirst()
    {
        var db = await MigratedDatabaseAsync();

        var result = await CliProcess.RunAsync("feedback", "add", Path.Combine(TestPaths.Data("samples"), "red-star.png"), "star", "--db", db);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("label the image first", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("0", Row(db, "SELECT COUNT(*) FROM feedback")[0]);
    }

    [Fact]
    public async Task FeedbackAdd_LabelNotInTheTaxonomy_ExitsWithBadInputNamingTheNearestClass()
    {
        var db = await MigratedDatabaseAsync();

        var result = await CliProcess.RunAsync("feedback", "add", Path.Combine(TestPaths.Data("samples"), "red-circle.png"), "circel", "--db", db);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'circel' is not a class of taxonomy tiny-shapes", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("did you mean circle?", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeedbackAdd_BlobUrl_UsesTheMostRecentlySeenContent()
    {
        const string blob = "https://acct.blob.core.windows.net/in/shape.jpg";
        var db = await MigratedDatabaseAsync();
        Execute(db, """
            INSERT INTO images (source_uri, etag_or_hash, status, first_seen, last_seen) VALUES
                (@Blob, '"0x1"', 'labelled', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
                (@Blob, '"0x2"', 'labelled', '2025-02-01 00:00:00+00:00', '2025-02-01 00:00:00+00:00')
            """, ("@Blob", blob));

        var result = await CliProcess.RunAsync("feedback", "add", blob, "square", "--db", db, "--by", "bob");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["\"0x2\"", "square", "bob"], Row(db, "SELECT i.etag_or_hash, f.label_id, f.verified_by FROM feedback f JOIN images i ON i.id = f.image_id"));
    }

    [Fact]
    public async Task Heads_PromoteListShowRollback_RoundTrip()
    {
        var db = await MigratedDatabaseAsync();
        var taxonomy = (await CliProcess.RunAsync("taxonomy", "show", "tiny-shapes")).OutputLines
            .Single(l => l.StartsWith("version:", StringComparison.Ordinal))["version:".Length..].Trim();
        InsertHead(db, "head-1", taxonomy, "2025-01-01 00:00:00+00:00");
        InsertHead(db, "head-2", taxonomy, "2025-02-01 00:00:00+00:00");

        var first = await CliProcess.RunAsync("heads", "promote", "head-1", "--db", db);
        var second = await CliProcess.RunAsync("heads", "promote", "head-2", "--db", db);
        var list = await CliProcess.RunAsync("heads", "list", "--db", db, "--model", Model, "--taxonomy", "tiny-shapes");
        var show = await CliProcess.RunAsync("heads", "show", "head-1", "--db", db);
        var back = await CliProcess.RunAsync("heads", "rollback", "--db", db, "--model", Model, "--taxonomy", "tiny-shapes");
        var zeroShot = await CliProcess.RunAsync("heads", "rollback", "--db", db, "--model", Model, "--taxonomy", taxonomy);

        Assert.Equal([0, 0, 0, 0, 0, 0], new[] { first, second, list, show, back, zeroShot }.Select(r => r.ExitCode));
        Assert.Contains("(was none: pure zero-shot)", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("(was head-1)", second.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(["* head-2", "  head-1"], list.OutputLines.Select(l => l[..8]));
        Assert.Contains("promoted:  no", show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("{\n  \"macro_f1\": 0.9,\n  \"per_class\": {\n    \"circle\": 0.95\n  }\n}", show.StandardOutput.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("\"epochs\": 30", show.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("promoted head-1", back.StandardOutput.Trim());
        Assert.Equal("no head promoted: pure zero-shot", zeroShot.StandardOutput.Trim());
        Assert.Equal("0", Row(db, "SELECT COUNT(*) FROM heads WHERE is_promoted = 1")[0]);
    }

    [Fact]
    public async Task Heads_ListAndShow_SayWhyTheRetrainingJobKeptACandidate()
    {
        const string reason = "gain +2.5 points over zero-shot, 95 % interval −2.4 to +2.5 (held-out split, 40 held-out images): not promoted, not significant";
        var db = await MigratedDatabaseAsync();
        var taxonomy = (await CliProcess.RunAsync("taxonomy", "show", "tiny-shapes")).OutputLines
            .Single(l => l.StartsWith("version:", StringComparison.Ordinal))["version:".Length..].Trim();
        InsertHead(db, "head-kept", taxonomy, "2025-03-01 00:00:00+00:00", $$$"""{"candidate":{"accuracy":0.6},"decision":{"promote":false,"reason":"{{{reason}}}","gain":0.025}}""");
        InsertHead(db, "head-by-hand", taxonomy, "2025-01-01 00:00:00+00:00");

        var list = await CliProcess.RunAsync("heads", "list", "--db", db);
        var show = await CliProcess.RunAsync("heads", "show", "head-kept", "--db", db);
        var byHand = await CliProcess.RunAsync("heads", "show", "head-by-hand", "--db", db);

        Assert.EndsWith(reason, list.OutputLines.Single(l => l.Contains("head-kept", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("decision:  " + reason, show.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("decision:  none recorded", byHand.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeadsPromote_UnknownVersion_ExitsWithBadInput()
    {
        var db = await MigratedDatabaseAsync();

        var result = await CliProcess.RunAsync("heads", "promote", "head-9", "--db", db);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("No head with version head-9", result.StandardError, StringComparison.Ordinal);
    }

    private async Task<string> MigratedDatabaseAsync()
    {
        var db = _temp.File("clip.db");
        Assert.Equal(0, (await CliProcess.RunAsync("db", "migrate", "--db", db)).ExitCode);
        return db;
    }

    private static void InsertHead(string db, string version, string taxonomy, string createdAt, string metrics = """{"macro_f1":0.9,"per_class":{"circle":0.95}}""") => Execute(
        db,
        """
        INSERT INTO heads (version, taxonomy_version, model_id, weights, metrics, alpha, training, created_at)
        VALUES (@Version, @Taxonomy, @Model, x'00010203', @Metrics, 0.3, '{"epochs":30,"lr":0.001}', @CreatedAt)
        """,
        ("@Version", version), ("@Taxonomy", taxonomy), ("@Model", Model), ("@CreatedAt", createdAt), ("@Metrics", metrics));

    private static void Execute(string db, string sql, params (string Name, string Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={db}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    private static string[] Row(string db, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={db}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read(), "no row");
        var row = Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!).ToArray();
        Assert.False(reader.Read(), "more than one row");
        return row;
    }
}
