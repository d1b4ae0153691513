using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Text.Json;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Cli.Tests;

public sealed class ImageCommandTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Sample(string name) => TestPaths.Data("samples", name);

    [Fact]
    public async Task Preprocess_Sample_WritesExactlyTheEncodersTensorAndTheCrop()
    {
        var tensorPath = _temp.File("x.f32");
        var pngPath = _temp.File("x.png");

        var result = await CliProcess.RunAsync("preprocess", Sample("yellow-star.jpg"), "--out", tensorPath, "--png", pngPath);

        Assert.Equal(0, result.ExitCode);
        var bytes = await File.ReadAllBytesAsync(tensorPath);
        Assert.Equal(3 * 224 * 224 * 4, bytes.Length);
        var written = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        var expected = new ImagePreprocessor(ModelBundle.Load(TestPaths.BundledModel).Preprocessor, new ImageLimits { JpegDecode = JpegDecode.Exact })
            .Preprocess(await File.ReadAllBytesAsync(Sample("yellow-star.jpg")));
        Assert.Equal(expected, written);
        var info = Image.Identify(pngPath);
        Assert.Equal((224, 224), (info.Width, info.Height));
    }

    [Fact]
    public async Task Preprocess_NotAnImage_FailsWithReason()
    {
        var bogus = _temp.File("bogus.jpg");
        await File.WriteAllTextAsync(bogus, "hello, I am not a JPEG");

        var result = await CliProcess.RunAsync("preprocess", bogus, "--out", _temp.File("x.f32"));

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("clip: error:", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("x.f32")));
    }

    [Fact]
    public async Task Embed_SamplesAsJson_PrintsUnitLengthEmbeddingPerImage()
    {
        var result = await CliProcess.RunAsync("embed", "--json", "--device", "cpu", Sample("red-circle.png"), Sample("green-square.jpg"));

        Assert.Equal(0, result.ExitCode);
        var rows = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(2, rows.Count);
        Assert.EndsWith("red-circle.png", rows[0].GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Matches("^clip-workers/tiny-clip-v1@sha256:[0-9a-f]{16}$", rows[0].GetProperty("model").GetString());
        foreach (var row in rows)
        {
            var vector = row.GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(1f, TensorPrimitives.Norm(vector), 4);
        }
    }

    [Fact]
    public async Task Embed_PrecisionInt8_RunsTheQuantisedTowersCloseToFloat32UnderTheirOwnModelId()
    {
        var fp32 = await CliProcess.RunAsync("embed", "--json", "--device", "cpu", Sample("red-circle.png"), Sample("yellow-star.jpg"));
        var int8 = await CliProcess.RunAsync("embed", "--json", "--device", "cpu", "--precision", "int8", Sample("red-circle.png"), Sample("yellow-star.jpg"));

        Assert.Equal((0, 0), (fp32.ExitCode, int8.ExitCode));
        var reference = fp32.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var quantised = int8.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Matches(@"^clip-workers/tiny-clip-v1@sha256:[0-9a-f]{16}\+vision-int8\+text-int8$", quantised[0].GetProperty("model").GetString());
        for (var i = 0; i < 2; i++)
        {
            float[] a = [.. reference[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
            float[] b = [.. quantised[i].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle())];
            Assert.NotEqual(a, b);
            Assert.True(TensorPrimitives.CosineSimilarity(a, b) >= 0.99f, $"cosine {TensorPrimitives.CosineSimilarity(a, b)}");
        }
    }

    [Fact]
    public async Task Embed_PrecisionTheBundleLacks_FailsNamingTheMissingFile()
    {
        var bundle = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        File.Delete(Path.Combine(bundle, "onnx", "vision_model_fp16.onnx"));

        var result = await CliProcess.RunAsync("embed", "--device", "cpu", "--precision", "fp16", "--model", bundle, Sample("red-circle.png"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(Path.Combine(bundle, "onnx", "vision_model_fp16.onnx"), result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_OneBadImageAmongGood_EmbedsTheRestAndExitsNonZero()
    {
        var empty = _temp.File("empty.png");
        await File.WriteAllBytesAsync(empty, []);

        var result = await CliProcess.RunAsync("embed", "--device", "cpu", Sample("red-circle.png"), empty, Sample("blue-circle.jpg"));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(2, result.OutputLines.Count);
        Assert.Contains(empty, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embed_CudaOnTheCpuBuild_FailsFastWithHowToFix()
    {
        var result = await CliProcess.RunAsync("embed", "--device", "cuda", Sample("red-circle.png"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("-p:ClipGpu=true", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.StandardOutput);
    }
}
