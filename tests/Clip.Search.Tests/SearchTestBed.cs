using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Persistence;
using Clip.TestUtilities;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Processing;

namespace Clip.Search.Tests;

/// <summary>The bundled model, one SQLite results database and an index folder: images are rendered, embedded and stored as the worker would.</summary>
public sealed class SearchTestBed(string? indexRoot = null) : IAsyncLifetime, IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public ClipModel Model { get; } = ClipModel.Load(
        new InferenceOptions { ModelPath = TestPaths.BundledModel, Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);

    public LabelStore Store { get; private set; } = null!;

    public string IndexRoot => indexRoot ?? _temp.File("index");

    /// <summary>The clock of index refreshes: the system's, moved on by hand.</summary>
    public MovableTime Time { get; } = new();

    public ImageSearch Search => new(Store, IndexRoot, Time);

    public string Database => _temp.File("clip.db");

    public async Task InitializeAsync()
    {
        Store = new LabelStore(new PersistenceOptions { ConnectionString = $"Data Source={Database}" });
        await Store.MigrateAsync();
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    public void Dispose()
    {
        Model.Dispose();
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    public static byte[] Png(string colour, string shape, Random random)
    {
        using var image = SyntheticWorld.Render(colour, shape, random);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }

    /// <summary>The same picture resized, re-encoded as JPEG, or cropped by a few percent: what a near-duplicate is.</summary>
    public static byte[] Variant(byte[] png, string kind)
    {
        using var image = Image.Load(png);
        using var output = new MemoryStream();
        switch (kind)
        {
            case "resized":
            case "resized-60":
                image.Mutate(x => x.Resize(image.Width * 3 / 5, image.Height * 3 / 5));
                image.SaveAsPng(output);
                break;
            case "resized-150":
                image.Mutate(x => x.Resize(image.Width * 3 / 2, image.Height * 3 / 2));
                image.SaveAsPng(output);
                break;
            case "jpeg":
            case "jpeg-50":
                image.SaveAsJpeg(output, new JpegEncoder { Quality = 50 });
                break;
            case "jpeg-75":
                image.SaveAsJpeg(output, new JpegEncoder { Quality = 75 });
                break;
            case "jpeg-95":
                image.SaveAsJpeg(output, new JpegEncoder { Quality = 95 });
                break;
            case "cropped":
            case "cropped-3":
                Crop(image, 3);
                image.SaveAsPng(output);
                break;
            case "cropped-5":
                Crop(image, 5);
                image.SaveAsPng(output);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "a kind of variant");
        }

        return output.ToArray();
    }

    /// <summary>Every kind of <see cref="Variant"/> the calibration uses.</summary>
    public static IReadOnlyList<string> VariantKinds { get; } = ["resized-60", "resized-150", "jpeg-50", "jpeg-75", "jpeg-95", "cropped-3", "cropped-5"];

    private static void Crop(Image image, int percent)
    {
        var margin = Math.Max(1, image.Width * percent / 100);
        image.Mutate(x => x.Crop(new Rectangle(margin, margin, image.Width - (2 * margin), image.Height - (2 * margin))));
    }

    /// <summary>Embeds and stores images as labelled results, each with <c>label</c> as its rank-1 label; returns their image ids in order.</summary>
    public async Task<long[]> StoreAsync(IReadOnlyList<(string Uri, string Version, byte[] Bytes, string Label)> images)
    {
        foreach (var chunk in images.Chunk(32))
        {
            var embeddings = Model.EmbedImages([.. chunk.Select(c => c.Bytes)]);
            await Store.WriteBatchAsync([.. chunk.Select((c, i) => (ImageOutcome)new LabelledImage(
                c.Uri, c.Version, c.Bytes.Length, SyntheticWorld.Size, SyntheticWorld.Size, Model.ModelId, "sha256:test-taxonomy", null,
                [new AssignedLabel(c.Label, c.Label, 0.3, 0.3, 0.9, 1)], false, null, new StageTimings(0, 0, 0))
            {
                Embedding = embeddings.Row(i).ToArray(),
            })]);
        }

        await using var connection = new SqliteConnection($"Data Source={Database}");
        return [.. await Task.WhenAll(images.Select(i => connection.ExecuteScalarAsync<long>(
            "SELECT id FROM images WHERE source_uri = @Uri AND etag_or_hash = @Version", new { i.Uri, i.Version })))];
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new SqliteConnection($"Data Source={Database}");
        await connection.ExecuteAsync(sql, parameters);
    }

    public float[] Text(string prompt)
    {
        var vector = Model.EmbedTexts([prompt]).Row(0).ToArray();
        EmbeddingMatrix.TryNormaliseInPlace(vector);
        return vector;
    }
}
