using System.Text.Json;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace Clip.Cli.Tests;

/// <summary><c>clip search</c> and <c>clip duplicates</c> as a user runs them, on the samples labelled with the bundled model.</summary>
public sealed class SearchCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TemporaryDirectory _temp = new();
    private string _samples = null!;

    private string Db => _temp.File("labels.db");

    private string Index => _temp.File("index");

    public async Task InitializeAsync()
    {
        _samples = _temp.CopyFrom(TestPaths.Data("samples"), "samples");
        Assert.Equal(0, (await CliProcess.RunAsync("label", _samples, "--db", Db, "--device", "cpu")).ExitCode);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Search_Text_ListsTheMatchingSampleFirstWithItsLabel()
    {
        var result = await CliProcess.RunAsync("search", "a red star", "--db", Db, "--index", Index, "--device", "cpu", "--top", "3", "--json");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var first = JsonDocument.Parse(result.OutputLines[0]).RootElement;
        Assert.EndsWith("/red-star.png", first.GetProperty("source_uri").GetString(), StringComparison.Ordinal);
        Assert.Equal("star", first.GetProperty("label").GetString());
        Assert.Equal(1, first.GetProperty("rank").GetInt32());
        Assert.Equal(3, result.OutputLines.Count);
        Assert.Contains("index: 8 images", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_ByAnExampleFileWithALabelFilter_ListsOnlyThatLabelAndNotTheExampleItself()
    {
        var result = await CliProcess.RunAsync(
            "search", "--image", Path.Combine(_samples, "red-star.png"), "--label", "star", "--taxonomy", "tiny-shapes", "--db", Db, "--index", Index, "--device", "cpu");

        Assert.True(result.ExitCode == 0, result.StandardError);
        var rows = result.OutputLines.Skip(1).ToList();
        Assert.EndsWith("/yellow-star.jpg", Assert.Single(rows), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--image", "nowhere.png")]
    [InlineData("a star", "--image")]
    [InlineData("a star", "--template")]
    public async Task Search_BadArguments_ExitWithBadInputSayingWhy(string first, string second)
    {
        string[] arguments = (first, second) switch
        {
            ("a star", "--image") => ["search", "a star", "--image", Path.Combine(_samples, "red-star.png")],
            ("a star", "--template") => ["search", "a star", "--template", "a photo of a star"],
            _ => ["search", first, second],
        };

        var result = await CliProcess.RunAsync([.. arguments, "--db", Db, "--index", Index, "--device", "cpu"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("clip: error: ", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicates_CopiesOfASample_AreGroupedWrittenToSqlAndLeftOutOfCounts()
    {
        var copies = Directory.CreateDirectory(_temp.File("copies")).FullName;
        using (var star = await Image.LoadAsync(Path.Combine(_samples, "red-star.png")))
        {
            await star.SaveAsJpegAsync(Path.Combine(copies, "red-star-q80.jpg"), new JpegEncoder { Quality = 80 });
            star.Mutate(x => x.Resize(star.Width * 3 / 5, star.Height * 3 / 5));
            await star.SaveAsPngAsync(Path.Combine(copies, "red-star-small.png"));
        }

        Assert.Equal(0, (await CliProcess.RunAsync("label", copies, "--db", Db, "--device", "cpu")).ExitCode);

        var result = await CliProcess.RunAsync("duplicates", "--db", Db, "--index", Index);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("10 images of ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(": 1 group of near-duplicates (cosine >= 0.95), 2 copies a count would leave out", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(result.OutputLines, l => l.EndsWith("/red-star-small.png", StringComparison.Ordinal));
        using var connection = new SqliteConnection($"Data Source={Db}");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = """
            SELECT COUNT(DISTINCT r.image_id) FROM labels l JOIN label_runs r ON r.id = l.run_id
            WHERE l.rank = 1 AND l.label_id = 'star' AND NOT EXISTS (
                SELECT 1 FROM duplicate_groups d WHERE d.image_id = r.image_id AND d.model_id = r.model_id AND d.image_id <> d.group_id)
            """;
        Assert.Equal(2L, (long)count.ExecuteScalar()!);
    }
}
