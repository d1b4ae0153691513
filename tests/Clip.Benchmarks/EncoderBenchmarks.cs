using BenchmarkDotNet.Attributes;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Benchmarks;

/// <summary>The bundled tiny CLIP's towers on CPU (a real ViT-B/32 is about 100× the work per image).</summary>
public class EncoderBenchmarks
{
    private ClipModel _model = null!;
    private float[] _pixels = null!;
    private IReadOnlyList<int>[] _prompts = null!;

    [Params(1, 16)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = ClipModel.Load(new InferenceOptions { Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
        var random = new Random(1);
        _pixels = [.. Enumerable.Range(0, Batch * _model.ImageEncoder.ImageLength).Select(_ => (float)random.NextDouble())];
        _prompts = [.. Enumerable.Range(0, Batch).Select(i => _model.Tokenizer.Encode($"a photo of a red shape number {i}.").Ids)];
    }

    [GlobalCleanup]
    public void Cleanup() => _model.Dispose();

    [Benchmark(Description = "image tower")]
    public EmbeddingMatrix Images() => _model.ImageEncoder.Encode(_pixels, Batch);

    [Benchmark(Description = "text tower")]
    public EmbeddingMatrix Texts() => _model.TextEncoder.Encode(_prompts);
}
