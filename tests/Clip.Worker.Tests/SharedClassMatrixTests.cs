using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Clip.TestUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>
/// A new pod's cache folder is an empty emptyDir: it reads the class matrix the first pod stored in the results
/// database instead of encoding every prompt again (seconds on a GPU, tens of minutes on a CPU for a large taxonomy).
/// </summary>
public sealed class SharedClassMatrixTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Worker_SecondPodWithAnEmptyCacheFolder_ReusesTheClassMatrixTheFirstStoredAndLabelsAlike()
    {
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Database:Provider"] = "postgres";
        settings["Clip:Database:ConnectionString"] = await postgres.CreateDatabaseAsync();

        var (firstOrigin, firstMatrix, firstRun) = await RunPodAsync(settings, "first-pod", "red-star.png");
        var (secondOrigin, secondMatrix, secondRun) = await RunPodAsync(settings, "second-pod", "yellow-star.jpg");

        Assert.Equal((ClassMatrixOrigin.Built, ClassMatrixOrigin.SharedStore), (firstOrigin, secondOrigin));
        Assert.Equal(firstMatrix, secondMatrix);
        Assert.Equal((firstRun.ModelId, firstRun.TaxonomyVersion), (secondRun.ModelId, secondRun.TaxonomyVersion));
        Assert.Equal(("star", "star"), (firstRun.Labels[0].LabelId, secondRun.Labels[0].LabelId));
    }

    /// <summary>Starts a worker with its own empty cache folder and inbox, labels one sample, and stops it.</summary>
    private async Task<(ClassMatrixOrigin Origin, float[] Matrix, StoredRun Run)> RunPodAsync(Dictionary<string, string?> shared, string pod, string sample)
    {
        var inbox = Path.Combine(_temp.Path, pod, "inbox");
        Directory.CreateDirectory(inbox);
        var settings = new Dictionary<string, string?>(shared)
        {
            ["Clip:Folder:Path"] = inbox,
            ["Clip:ZeroShot:CacheDirectory"] = Path.Combine(_temp.Path, pod, "class-matrices"),
        };
        await using var worker = await WorkerRun.StartAsync(settings);
        var state = worker.App.Services.GetRequiredService<LabelingEngine>().State;
        var run = await worker.DropAndWaitForRunAsync(inbox, sample);
        return (state.ClassesFrom, state.Classifier.Classes.Values.ToArray(), run);
    }
}
