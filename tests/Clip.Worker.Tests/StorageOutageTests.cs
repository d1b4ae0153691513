using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>Blob storage away for five minutes in the middle of a run, at default retry settings.</summary>
public sealed class StorageOutageTests : IDisposable
{
    private const int Images = 300;
    private static readonly TimeSpan Outage = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_StorageDownFiveMinutesMidRun_LabelsEveryImageWithNoDeadLetterAndAtMostThreeDeliveries()
    {
        await using var scope = await OutageScope.StartAsync(_temp);
        await scope.UploadAndSendAsync(Images);
        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount >= 30, Patience);

        await scope.Azurite.StopAsync();
        var completedAtStop = scope.Queue.CompletedCount;
        await Task.Delay(Outage);
        var completedDuringOutage = scope.Queue.CompletedCount - completedAtStop;
        await scope.Azurite.StartAgainAsync();
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == Images && q.ActiveCount == 0 && q.LockedCount == 0, Patience);

        Assert.InRange(completedAtStop, 30, Images - 50); // the outage really came mid-run
        Assert.InRange(completedDuringOutage, 0, 16); // at most what was already downloaded when storage went away
        Assert.Empty(scope.Queue.DeadLetters);
        var deliveries = scope.Queue.Completed.Select(m => m.DeliveryCount).ToList();
        Assert.True(deliveries.Max() <= 3, $"a message was delivered {deliveries.Max()} times");

        // Intake was held to one message while storage was down: only what was in flight came around again.
        Assert.InRange(deliveries.Count(d => d > 1), 0, 16 + 4);
        var results = new SqliteResults(_temp.File("clip.db"));
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(DISTINCT image_id) FROM label_runs"));
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(0, await results.ScalarAsync("SELECT COUNT(*) FROM failures"));
    }
}
