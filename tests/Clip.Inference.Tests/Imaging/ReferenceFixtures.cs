using System.Text.Json;
using Clip.Inference.Bundles;

namespace Clip.Inference.Tests.Imaging;

/// <summary>The fixtures written by reference/make_reference.py and OpenAI's preprocessing parameters.</summary>
internal static class ReferenceFixtures
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Imaging", "reference");

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly Lazy<Dictionary<string, Fixture>> All = new(Load);

    public static IEnumerable<string> Names => All.Value.Keys;

    public static Fixture Get(string image) => All.Value[image];

    public static byte[] Bytes(string image) => File.ReadAllBytes(Path.Combine(Directory, image));

    public static PreprocessorConfig OpenAiConfig(int size) => new(
        size, size, size, [0.48145466f, 0.4578275f, 0.40821073f], [0.26862954f, 0.26130258f, 0.27577711f], ResampleFilter.Bicubic);

    private static Dictionary<string, Fixture> Load()
    {
        var fixtures = JsonSerializer.Deserialize<Fixture[]>(File.ReadAllText(Path.Combine(Directory, "fixtures.json")), JsonOptions)
            ?? throw new InvalidDataException("fixtures.json is empty.");
        return fixtures.ToDictionary(f => f.Image);
    }

    internal sealed record Fixture(string Image, string Tensor, int Size, string PilMode)
    {
        public float[] ReadTensor()
        {
            var bytes = File.ReadAllBytes(Path.Combine(Directory, Tensor));
            var values = new float[bytes.Length / sizeof(float)];
            Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
            return BitConverter.IsLittleEndian ? values : throw new PlatformNotSupportedException("The reference tensors are little-endian.");
        }
    }
}

/// <summary>Mean and maximum absolute difference between two tensors, in normalised units.</summary>
internal readonly record struct TensorDifference(double Mean, double Max)
{
    public const double MeanBound = 0.01;
    public const double MaxBound = 0.25;

    public bool WithinBounds => Mean < MeanBound && Max < MaxBound;

    public static TensorDifference Between(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        double sum = 0, max = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var difference = Math.Abs((double)actual[i] - expected[i]);
            sum += difference;
            max = Math.Max(max, difference);
        }

        return new TensorDifference(sum / actual.Length, max);
    }
}
