using System.Diagnostics;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Training.Tests;

/// <summary>The retraining job as the CronJob runs it: its own process, an exit code, a report on stdout.</summary>
public sealed class RetrainingHostTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Host_EmptyDatabase_MigratesReportsNotEnoughDataAndExitsZero()
    {
        var (exitCode, output) = await RunAsync($"--Clip:Database:ConnectionString=Data Source={_temp.File("clip.db")}");

        Assert.True(exitCode == 0, output);
        Assert.Contains("retraining not enough data: 0 verified examples", output, StringComparison.Ordinal);
        Assert.True(File.Exists(_temp.File("clip.db")));
    }

    [Theory]
    [InlineData("--Clip:Retraining:Schedule=every night", "every night")]
    [InlineData("--Clip:Retraining:PromotionMargin=2", "PromotionMargin")]
    [InlineData("--Clip:Retraining:Head:LearningRate=0", "LearningRate")]
    public async Task Host_BadConfiguration_ExitsTwoNamingTheProblem(string setting, string named)
    {
        var (exitCode, output) = await RunAsync($"--Clip:Database:ConnectionString=Data Source={_temp.File("clip.db")}", setting);

        Assert.True(exitCode == 2, output);
        Assert.Contains("configuration error", output, StringComparison.Ordinal);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Clip.Training.dll"));
        start.ArgumentList.Add($"--Clip:ZeroShot:CacheDirectory={_temp.File("class-matrices")}");
        start.ArgumentList.Add("--Clip:Inference:Device=cpu");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout + await stderr);
    }
}
