using System.Data.Common;
using System.Globalization;
using System.Text.RegularExpressions;
using Clip.TestUtilities;
using Dapper;

namespace Clip.Persistence.Tests;

/// <summary>
/// Every statement in the README's <c>```sql</c> blocks runs on this dialect against a few labelled images, and the
/// questions the views answer get the right answers. A statement marked <c>-- PostgreSQL only</c> or
/// <c>-- SQLite only</c> runs on that dialect alone, and the other dialect's test counts it as not run for it.
/// </summary>
public abstract partial class LabelStoreContract
{
    private const string CatUri = "file:///data/photos/cat.jpg";
    private const string StarUri = "https://acct.blob.core.windows.net/images/star-1.png";
    private const string StarFaintUri = "https://acct.blob.core.windows.net/images/star-2.png";
    private const string StarCopyUri = "https://acct.blob.core.windows.net/images/star-1-copy.jpg";
    private const string StarUnsureUri = "https://acct.blob.core.windows.net/images/star-3.png";
    private const string CircleUri = "file:///photos/red-circle.png";

    [Fact]
    public async Task ReadmeSql_EveryStatement_RunsAndTheViewsAnswerRight()
    {
        await SeedReadmeWorldAsync();
        var statements = ReadmeSql.Statements(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")));
        var answered = new HashSet<string>(StringComparer.Ordinal);
        var run = 0;

        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        foreach (var statement in statements)
        {
            if (statement.OnlyOn is { } only && only != Provider)
            {
                continue;
            }

            IReadOnlyList<IDictionary<string, object?>> rows;
            try
            {
                rows = [.. (await connection.QueryAsync(statement.Sql)).Cast<IDictionary<string, object?>>()];
            }
            catch (DbException e)
            {
                Assert.Fail($"README statement \"{statement.Question}\" failed on {Provider}: {e.Message}\n{statement.Sql}");
                throw;
            }

            run++;
            if (ExpectedAnswers.TryGetValue(statement.Question, out var check))
            {
                check(rows);
                answered.Add(statement.Question);
            }
        }

        Assert.Equal(ExpectedAnswers.Keys.Order(StringComparer.Ordinal), answered.Order(StringComparer.Ordinal));
        var forOtherDialect = statements.Count(s => s.OnlyOn is { } only && only != Provider);
        Assert.Equal(statements.Count, run + forOtherDialect);
        Assert.True(run >= 10, $"only {run} README statements ran on {Provider}");
        Assert.Contains(statements, s => s.OnlyOn == DatabaseProvider.Postgres);
        Assert.Contains(statements, s => s.OnlyOn == DatabaseProvider.Sqlite);
    }

    [Fact]
    public async Task ImageLabels_TwoRunsAtTheSameInstant_TheHigherRunIdIsTheLatest()
    {
        await Store.WriteBatchAsync([Outcomes.Labelled(CatUri, labels: ["cat"])]);
        await Store.WriteBatchAsync([Outcomes.Labelled(CatUri, head: "head-7", labels: ["lynx"])]);
        await Store.WriteBatchAsync([Outcomes.Labelled(CatUri, taxonomy: "sha256:taxonomy-b", labels: ["animal"])]);

        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        var rows = (await connection.QueryAsync<(string TaxonomyVersion, string LabelId, string? HeadVersion)>(
            "SELECT taxonomy_version, label_id, head_version FROM image_labels ORDER BY taxonomy_version")).ToList();
        var counts = (await connection.QueryAsync<(string TaxonomyVersion, string LabelId, long Images)>(
            "SELECT taxonomy_version, label_id, images FROM label_counts ORDER BY taxonomy_version")).ToList();

        Assert.Equal([(Outcomes.Taxonomy, "lynx", "head-7"), ("sha256:taxonomy-b", "animal", null)], rows);
        Assert.Equal([(Outcomes.Taxonomy, "lynx", 1L), ("sha256:taxonomy-b", "animal", 1L)], counts);
    }

    // Keyed by the comment that opens each README query; a query renamed in the README fails the test above.
    private static Dictionary<string, Action<IReadOnlyList<IDictionary<string, object?>>>> ExpectedAnswers => new(StringComparer.Ordinal)
    {
        ["The latest labels, newest first"] = rows => Assert.Equal(
            [CircleUri, StarUnsureUri, StarCopyUri, StarFaintUri, StarUri, CatUri], rows.Select(r => Text(r["source_uri"]))),
        ["The label of one image"] = rows => Assert.Equal(
            [("lynx", "head-7", false)], rows.Select(r => (Text(r["label_id"]), Text(r["head_version"]), Flag(r["abstained"])))),
        ["The labels of one image, best first (top_k alternatives follow the label at rank 1)"] = rows => Assert.Equal(
            ["lynx", "cat"], rows.Select(r => Text(r["label_id"]))),
        ["Images whose label is 'star' with probability at least 0.25"] = rows => Assert.Equal(
            [(StarUri, 0.8), (StarCopyUri, 0.7)], rows.Select(r => (Text(r["source_uri"]), Number(r["probability"])))),
        ["Images per label (the label itself, not the alternatives)"] = rows => Assert.Equal(
            [("star", 3L), ("circle", 1L), ("lynx", 1L)], rows.Select(r => (Text(r["label_id"]), (long)Number(r["images"])))),
        ["Images the model would not label, and why"] = rows => Assert.Equal(
            [(StarUnsureUri, "low_margin")], rows.Select(r => (Text(r["source_uri"]), Text(r["abstain_reason"])))),
        ["Why images failed (images per reason, and how often they were tried)"] = rows => Assert.Equal(
            [("not_an_image", "decode", 2L, 3L), ("blob_not_found", "download", 1L, 1L)],
            rows.Select(r => (Text(r["reason"]), Text(r["stage"]), (long)Number(r["images"]), (long)Number(r["attempts"])))),
        ["Images per label, each picture once"] = rows => Assert.Equal(
            [("star", 2L), ("circle", 1L), ("lynx", 1L)],
            rows.Select(r => (Text(r["label_id"]), (long)Number(r["images"]))).OrderByDescending(r => r.Item2).ThenBy(r => r.Item1, StringComparer.Ordinal)),
    };

    private async Task SeedReadmeWorldAsync()
    {
        await Store.WriteBatchAsync([Outcomes.Labelled(CatUri, labels: ["cat", "dog"])]);
        Time.Now += TimeSpan.FromMinutes(1);
        await Store.WriteBatchAsync([Outcomes.Labelled(CatUri, head: "head-7", labels: ["lynx", "cat"])]);
        foreach (var image in new[]
                 {
                     Scored(StarUri, "star", 0.8), Scored(StarFaintUri, "star", 0.2), Scored(StarCopyUri, "star", 0.7),
                     Scored(StarUnsureUri, "star", 0.5) with { Abstained = true, AbstainReason = "low_margin" },
                     Scored(CircleUri, "circle", 0.6),
                 })
        {
            Time.Now += TimeSpan.FromMinutes(1);
            await Store.WriteBatchAsync([image]);
        }

        await Store.WriteBatchAsync([Outcomes.Failed("https://acct.blob.core.windows.net/images/notes.txt")]);
        await Store.WriteBatchAsync([
            Outcomes.Failed("https://acct.blob.core.windows.net/images/notes.txt"),
            Outcomes.Failed("https://acct.blob.core.windows.net/images/broken.jpg"),
            Outcomes.Failed("https://acct.blob.core.windows.net/images/gone.jpg", stage: FailureStage.Download, reason: "blob_not_found")]);

        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        var star = await connection.ExecuteScalarAsync<long>("SELECT id FROM images WHERE source_uri = @StarUri", new { StarUri });
        var copy = await connection.ExecuteScalarAsync<long>("SELECT id FROM images WHERE source_uri = @StarCopyUri", new { StarCopyUri });
        await Store.ReplaceDuplicateGroupsAsync(Outcomes.Model, [new DuplicateMember(star, star, 1.0), new DuplicateMember(star, copy, 0.98)], 0.95);
    }

    private static LabelledImage Scored(string source, string label, double probability)
    {
        var image = Outcomes.Labelled(source, labels: [label, "other"]);
        return image with { Labels = [image.Labels[0] with { Probability = probability }, image.Labels[1] with { Probability = (1 - probability) / 2 }] };
    }

    private static string? Text(object? value) => value is null or DBNull ? null : Convert.ToString(value, CultureInfo.InvariantCulture);

    private static double Number(object? value) => Convert.ToDouble(value, CultureInfo.InvariantCulture);

    // SQLite stores booleans as 0/1, PostgreSQL as boolean.
    private static bool Flag(object? value) => value is bool b ? b : Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0;
}

/// <summary>One statement of a README <c>```sql</c> block: the comment that opens it, and the dialect it is marked for.</summary>
internal sealed record ReadmeStatement(string Question, string Sql, DatabaseProvider? OnlyOn);

internal static partial class ReadmeSql
{
    public static IReadOnlyList<ReadmeStatement> Statements(string markdown)
    {
        var statements = new List<ReadmeStatement>();
        foreach (Match block in SqlBlock().Matches(markdown))
        {
            var lines = block.Groups["body"].Value.Split('\n').Select(l => l.Trim());
            foreach (var text in string.Join('\n', lines).Split(";\n").Select(s => s.Trim().TrimEnd(';').Trim()).Where(s => s.Length > 0))
            {
                var comments = text.Split('\n').TakeWhile(l => l.StartsWith("--", StringComparison.Ordinal)).Select(l => l[2..].Trim()).ToList();
                var onlyOn = comments.Contains("PostgreSQL only") ? DatabaseProvider.Postgres
                    : comments.Contains("SQLite only") ? DatabaseProvider.Sqlite
                    : (DatabaseProvider?)null;
                var question = comments.FirstOrDefault(c => c is not ("PostgreSQL only" or "SQLite only")) ?? text.Split('\n').First(l => !l.StartsWith("--", StringComparison.Ordinal));
                statements.Add(new ReadmeStatement(question, text, onlyOn));
            }
        }

        return statements;
    }

    [GeneratedRegex(@"^[ \t]*```sql[ \t]*\n(?<body>.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
