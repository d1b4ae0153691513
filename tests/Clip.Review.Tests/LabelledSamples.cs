using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Review.Tests;

/// <summary>
/// The bundled sample images labelled once with <c>clip label</c> (tiny-shapes, zero-shot) into a SQLite file; each
/// test gets its own copy of that database, so verdicts one test writes are never seen by another. The image files stay
/// where they were labelled, which is where the thumbnails are read from.
/// </summary>
public sealed class LabelledSamples : IAsyncLifetime, IDisposable
{
    public const int Count = 8;

    private readonly TemporaryDirectory _temp = new();

    public string Samples { get; private set; } = "";

    private string Template => _temp.File("labelled.db");

    public async Task InitializeAsync()
    {
        Samples = _temp.CopyFrom(TestPaths.Data("samples"), "samples");
        var label = await CliProcess.RunAsync("label", Samples, "--db", Template, "--device", "cpu");
        Assert.True(label.ExitCode == 0, label.StandardError);
        SqliteConnection.ClearAllPools();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _temp.Dispose();

    /// <summary>A fresh copy of the labelled database in <paramref name="folder"/>.</summary>
    public string CopyDatabase(TemporaryDirectory folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var copy = folder.File("clip.db");
        File.Copy(Template, copy);
        if (File.Exists(Template + "-wal"))
        {
            File.Copy(Template + "-wal", copy + "-wal");
        }

        return copy;
    }
}

[CollectionDefinition(Name)]
public sealed class LabelledSamplesDefinition : ICollectionFixture<LabelledSamples>
{
    public const string Name = "labelled samples";
}
