using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Cli.Tests;

public sealed class RetrainCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Retrain_TwoVerifiedImages_ReportsNotEnoughDataStoresNothingAndExitsZero()
    {
        var samples = _temp.CopyFrom(TestPaths.Data("samples"), "samples");
        var db = _temp.File("labels.db");
        Assert.Equal(0, (await CliProcess.RunAsync("label", samples, "--db", db, "--device", "cpu")).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync("feedback", "add", Path.Combine(samples, "red-star.png"), "star", "--db", db)).ExitCode);
        Assert.Equal(0, (await CliProcess.RunAsync("feedback", "add", Path.Combine(samples, "red-circle.png"), "circle", "--db", db)).ExitCode);

        var result = await CliProcess.RunAsync("retrain", "--db", db, "--device", "cpu");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.StartsWith("retraining not enough data: 2 verified examples", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("too little data (trained on, not measured): circle, star", result.StandardOutput, StringComparison.Ordinal);
        var heads = await CliProcess.RunAsync("heads", "list", "--db", db);
        Assert.DoesNotContain("head-", heads.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retrain_NoSuchDatabase_FailsWithExitCodeTwo()
    {
        var result = await CliProcess.RunAsync("retrain", "--db", _temp.File("missing.db"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such database", result.StandardError, StringComparison.Ordinal);
    }
}
