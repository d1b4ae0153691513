using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>Faults on the Service Bus path: a worker killed mid-batch, a database outage. Nothing lost, nothing twice.</summary>
[Collection(CloudFixture.Collection)]
public sealed class ServiceBusFaultTests(CloudFixture cloud) : IDisposable
{
    private readonly PostgresServer _postgres = new();

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        _postgres.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    /// <summary>Distinct images: the same picture with different trailing bytes after the PNG's end.</summary>
    private static byte[] Variant(int i) => [.. File.ReadAllBytes(TestPaths.Data("samples", "red-star.png")), (byte)i, (byte)(i >> 8)];

    [Fact]
    public async Task Worker_KilledMidBatchAndRestarted_LabelsEveryImageExactlyOnce()
    {
        const int Images = 240;
        await using var scope = await cloud.CreateScopeAsync(_temp, lockDuration: TimeSpan.FromSeconds(3));
        scope.Settings["Clip:Pipeline:BatchSize"] = "8";
        for (var i = 0; i < Images; i++)
        {
            await scope.UploadAndSendAsync($"star-{i:D3}.png", Variant(i));
        }

        long completedAtKill;
        using (var doomed = WorkerProcess.Start(scope.Settings))
        {
            await scope.Queue.WaitUntilAsync(q => q.CompletedCount >= 24, Patience);
            await doomed.KillAsync();
            completedAtKill = scope.Queue.CompletedCount;
        }

        Assert.InRange(completedAtKill, 24, Images - 1);
        using var survivor = WorkerProcess.Start(scope.Settings);
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == Images && q.ActiveCount == 0, Patience);
        await survivor.TerminateAsync();

        var results = new SqliteResults(_temp.File("clip.db"));
        Assert.Empty(scope.Queue.DeadLetters);
        Assert.Contains(scope.Queue.Completed, m => m.DeliveryCount > 1); // what the killed worker held came back after its locks expired
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(*) FROM images"));
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
        Assert.Equal(Images, await results.ScalarAsync("SELECT COUNT(DISTINCT image_id) FROM label_runs"));
        Assert.Equal(0, await results.ScalarAsync("SELECT COUNT(*) FROM failures"));
    }

    [Fact]
    public async Task Worker_DatabaseDownLongerThanItsRetries_AbandonsThenCompletesEveryMessageOnceItReturns()
    {
        await _postgres.InitializeAsync();
        await using var scope = await cloud.CreateScopeAsync(_temp, maxDeliveryCount: 50);
        scope.Settings["Clip:Database:Provider"] = "postgres";
        scope.Settings["Clip:Database:ConnectionString"] = await _postgres.CreateDatabaseAsync();
        scope.Settings["Clip:Pipeline:RetryBudget"] = "00:00:00.300";
        scope.Settings["Clip:Pipeline:RetryDelay"] = "00:00:00.100";
        await using var worker = await WorkerRun.StartAsync(scope.Settings);

        await _postgres.StopAsync();
        for (var i = 0; i < 3; i++)
        {
            await scope.UploadAndSendAsync($"during-outage-{i}.png", Variant(i));
        }

        await WorkerRun.WaitUntilAsync(() => Task.FromResult(worker.Telemetry.Totals().ImagesGivenBack >= 6), "every message was given back at least twice", Patience);
        Assert.Equal(0, scope.Queue.CompletedCount);
        await _postgres.StartAgainAsync();
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == 3 && q.ActiveCount == 0, Patience);

        Assert.Empty(scope.Queue.DeadLetters);
        Assert.All(scope.Queue.Completed, m => Assert.True(m.DeliveryCount > 1, "each message was abandoned and redelivered"));
        Assert.Equal(3, worker.Telemetry.Totals().ImagesLabelled);
        Assert.Empty(await worker.Store.GetFailuresAsync());
    }

    [Fact]
    public async Task Worker_SigtermWhileBusy_ExitsZeroLeavingNoMessageLocked()
    {
        const int Images = 240;
        await using var scope = await cloud.CreateScopeAsync(_temp, lockDuration: TimeSpan.FromMinutes(5));
        for (var i = 0; i < Images; i++)
        {
            await scope.UploadAndSendAsync($"star-{i:D3}.png", Variant(i));
        }

        using var worker = WorkerProcess.Start(scope.Settings);
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount >= 24, Patience);
        var exitCode = await worker.TerminateAsync();

        // Every message it held was completed or given back at shutdown: none waits out its five-minute lock.
        Assert.True(exitCode == 0, worker.Output);
        Assert.Equal(0, scope.Queue.LockedCount);
        Assert.Empty(scope.Queue.DeadLetters);
        var results = new SqliteResults(_temp.File("clip.db"));
        Assert.Equal(scope.Queue.CompletedCount, await results.ScalarAsync("SELECT COUNT(*) FROM label_runs"));
    }

    [Fact]
    public async Task Worker_MessageHeldLongerThanItsLock_IsCompletedOnItsFirstDeliveryThanksToRenewal()
    {
        await using var scope = await cloud.CreateScopeAsync(_temp, lockDuration: TimeSpan.FromSeconds(2));
        scope.Settings["Clip:Pipeline:BatchDeadline"] = "00:00:05";
        await scope.UploadAndSendAsync("slow.png", Variant(1));

        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == 1, Patience);

        Assert.Equal(1, Assert.Single(scope.Queue.Completed).DeliveryCount);
        Assert.Equal(1, worker.Telemetry.Totals().ImagesLabelled);
    }

    [Fact]
    public async Task Worker_FloodOfMessagesLargerThanEveryChannel_CompletesAllWithBoundedImagesInMemory()
    {
        const int Images = 240;
        await using var scope = await cloud.CreateScopeAsync(_temp);
        scope.Settings["Clip:ServiceBus:MaxConcurrentMessages"] = "64";
        scope.Settings["Clip:Pipeline:MessageQueueCapacity"] = "4";
        scope.Settings["Clip:Pipeline:BatchSize"] = "4";
        scope.Settings["Clip:Pipeline:PrepareConcurrency"] = "2";
        for (var i = 0; i < Images; i++)
        {
            await scope.UploadAndSendAsync($"star-{i:D3}.png", Variant(i));
        }

        await using var worker = await WorkerRun.StartAsync(scope.Settings);
        await scope.Queue.WaitUntilAsync(q => q.CompletedCount == Images && q.ActiveCount == 0, Patience);

        // Prepare workers (2) + the prepared channel (2 batches) + the batch being filled (1 batch).
        Assert.InRange(worker.Telemetry.Totals().MaxImagesHeld, 1, 2 + (3 * 4));
        Assert.Empty(scope.Queue.DeadLetters);
        Assert.Equal(Images, await new SqliteResults(_temp.File("clip.db")).ScalarAsync("SELECT COUNT(*) FROM label_runs"));
    }
}
