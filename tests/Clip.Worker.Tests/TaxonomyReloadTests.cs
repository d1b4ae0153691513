using Clip.Inference.Taxonomies;
using Clip.TestUtilities;
using Clip.Labeling;
using Clip.Worker.Pipeline;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Worker.Tests;

/// <summary>A taxonomy file (a ConfigMap in Kubernetes) edited while the worker runs takes effect without a restart.</summary>
public sealed class TaxonomyReloadTests : IDisposable
{
    private const string TwoShapes = """
        {
          "name": "two-shapes",
          "templates": ["a photo of a {}."],
          "classes": [
            { "id": "circle", "names": ["circle"] },
            { "id": "square", "names": ["square"] }
          ]
        }
        """;

    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_TaxonomyFileRewrittenThenBroken_SwitchesToTheNewVersionAndKeepsItWhenTheFileBreaks()
    {
        var inbox = Path.Combine(_temp.Path, "inbox");
        Directory.CreateDirectory(inbox);
        var taxonomyFile = _temp.File("taxonomy.json");
        File.Copy(StandardTaxonomies.Resolve("tiny-shapes"), taxonomyFile);
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:Folder:Path"] = inbox;
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Pipeline:Taxonomy"] = taxonomyFile;
        settings["Clip:Pipeline:TaxonomyPollInterval"] = "00:00:00.100";
        await using var worker = await WorkerRun.StartAsync(settings);
        var engine = worker.App.Services.GetRequiredService<LabelingEngine>();
        var original = engine.TaxonomyVersion;

        await File.WriteAllTextAsync(taxonomyFile, TwoShapes);
        await WorkerRun.WaitUntilAsync(() => Task.FromResult(engine.TaxonomyVersion != original), "the worker switches taxonomy");
        var switched = engine.TaxonomyVersion;
        var star = await worker.DropAndWaitForRunAsync(inbox, "red-star.png");

        await File.WriteAllTextAsync(taxonomyFile, "{ this is not a taxonomy");
        await Task.Delay(500);

        Assert.Equal(switched, star.TaxonomyVersion);
        Assert.Contains(star.Labels[0].LabelId, new[] { "circle", "square" });
        Assert.Equal(switched, engine.TaxonomyVersion);
        Assert.True(worker.App.Services.GetRequiredService<LabelingPipeline>().IsRunning);
    }
}
