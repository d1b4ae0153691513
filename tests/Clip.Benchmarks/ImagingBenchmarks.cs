using BenchmarkDotNet.Attributes;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using Clip.TestUtilities;

namespace Clip.Benchmarks;

/// <summary>Decode + resize + crop + normalise of one image, the CPU work per image before the encoder.</summary>
[MemoryDiagnoser]
public class ImagingBenchmarks
{
    private ImagePreprocessor _preprocessor = null!;
    private byte[] _jpeg = null!;
    private byte[] _png = null!;
    private readonly float[] _tensor = new float[3 * 224 * 224];

    [GlobalSetup]
    public void Setup()
    {
        _preprocessor = new ImagePreprocessor(ModelBundle.Load(TestPaths.BundledModel).Preprocessor, new ImageLimits());
        var samples = Path.Combine(AppContext.BaseDirectory, "samples");
        _jpeg = File.ReadAllBytes(Path.Combine(samples, "green-square.jpg"));
        _png = File.ReadAllBytes(Path.Combine(samples, "white-heart.png"));
    }

    [Benchmark(Description = "JPEG 320x256 to 3x224x224")]
    public void Jpeg() => _preprocessor.Preprocess(_jpeg, _tensor);

    [Benchmark(Description = "PNG 300x300 to 3x224x224")]
    public void Png() => _preprocessor.Preprocess(_png, _tensor);
}
