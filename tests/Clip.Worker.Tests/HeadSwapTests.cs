using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>A running worker follows the promoted head without a restart, and every result says which head made it.</summary>
public sealed class HeadSwapTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_HeadPromotedThenRolledBack_LabelsWithEachInTurnAndRecordsItsVersion()
    {
        var inbox = Path.Combine(_temp.Path, "inbox");
        Directory.CreateDirectory(inbox);
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Pipeline:HeadPollInterval"] = "00:00:00.100";
        await using var worker = await WorkerRun.StartAsync(settings);
        var engine = worker.App.Services.GetRequiredService<LabelingEngine>();

        var before = await worker.DropAndWaitForRunAsync(inbox, "red-star.png");

        // A head that ignores the image and always says "heart": unmistakable in the results.
        var classes = engine.State.Classifier.Classes;
        var bias = classes.ClassIds.Select(id => id == "heart" ? 50f : 0f).ToArray();
        var head = new ClassifierHead("always-heart", engine.ModelId, classes.ClassIds, new float[classes.Count * classes.Dimension], bias, classes.Dimension);
        await worker.Store.SaveHeadAsync(new StoredHead(
            head.Version, engine.ModelId, engine.TaxonomyVersion, ClassifierHeadCodec.Encode(head), "{}", 1.0, "{}", DateTimeOffset.UtcNow));
        await worker.Store.PromoteHeadAsync(head.Version);
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(engine.HeadVersion == "always-heart"), "the worker swaps the promoted head in");
        var during = await worker.DropAndWaitForRunAsync(inbox, "green-square.jpg");

        await worker.Store.RollbackHeadAsync(engine.ModelId, engine.TaxonomyVersion);
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(engine.HeadVersion is null), "the worker goes back to zero-shot");
        var after = await worker.DropAndWaitForRunAsync(inbox, "black-cross.jpg");

        Assert.Equal((null, "star"), (before.HeadVersion, before.Labels[0].LabelId));
        Assert.Equal(("always-heart", "heart"), (during.HeadVersion, during.Labels[0].LabelId));
        Assert.Equal((null, "cross"), (after.HeadVersion, after.Labels[0].LabelId));
    }
}
