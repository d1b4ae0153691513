using System.Numerics.Tensors;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.Tokenization;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Encoders;

public sealed class BundledModelEncoderTests : IDisposable
{
    private readonly ModelBundle _bundle = ModelBundle.Load(TestPaths.BundledModel);
    private readonly OnnxSessionFactory _sessions = new(new InferenceOptions { Device = ExecutionDevice.Cpu }, new RecordingLogger<OnnxSessionFactory>());
    private readonly ClipImageEncoder _images;
    private readonly ClipTextEncoder _texts;

    public BundledModelEncoderTests()
    {
        _images = new ClipImageEncoder(_bundle, _sessions);
        _texts = new ClipTextEncoder(_bundle, _sessions);
    }

    public void Dispose()
    {
        _images.Dispose();
        _texts.Dispose();
    }

    private float[] RandomPixels(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * _images.ImageLength];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (float)((random.NextDouble() * 4) - 2);
        }

        return pixels;
    }

    [Fact]
    public void Encode_Batch_GivesUnitLengthRowsOfTheTowersWidth()
    {
        var embeddings = _images.Encode(RandomPixels(3, 1), 3);

        Assert.Equal(3, embeddings.Count);
        Assert.Equal(_texts.Dimension, embeddings.Dimension);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1f, TensorPrimitives.Norm(embeddings.Row(i)), 4);
        }
    }

    [Fact]
    public void Encode_ImageAloneOrInABatch_GivesTheSameEmbedding()
    {
        var batch = RandomPixels(4, 2);

        var together = _images.Encode(batch, 4);
        var alone = _images.Encode(batch.AsMemory(2 * _images.ImageLength, _images.ImageLength), 1);

        Assert.True(TensorPrimitives.CosineSimilarity(together.Row(2), alone.Row(0)) > 0.99999f);
    }

    [Fact]
    public void Encode_FromManyThreadsAtOnce_GivesTheSameEmbeddings()
    {
        var pixels = RandomPixels(2, 3);
        var expected = _images.Encode(pixels, 2).Values.ToArray();

        var results = new float[8][];
        Parallel.For(0, results.Length, i => results[i] = _images.Encode(pixels, 2).Values.ToArray());

        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void Encode_WrongPixelCount_RejectedBeforeRunningTheGraph()
    {
        var e = Assert.Throws<ArgumentException>(() => _images.Encode(new float[10], 1));

        Assert.Contains("expected 1 images of 150528 floats, got 10 floats", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_TextBatch_GivesUnitLengthRowsAndDistinctPrompts()
    {
        int[] redCircle = [49406, 320, 1125, 539, 320, 736, 7117, 269, 49407];
        int[] blueSquare = [49406, 320, 1125, 539, 320, 1746, 5051, 269, 49407];

        var embeddings = _texts.Encode([redCircle, blueSquare, redCircle]);

        Assert.Equal(1f, TensorPrimitives.Norm(embeddings.Row(0)), 4);
        Assert.Equal(embeddings.Row(0).ToArray(), embeddings.Row(2).ToArray());
        Assert.True(TensorPrimitives.CosineSimilarity(embeddings.Row(0), embeddings.Row(1)) < 0.999f);
    }

    [Fact]
    public void Encode_MixedLengthPromptsInBatchesByLength_MatchesPaddingToTheContextLength()
    {
        using var padded = new ClipTextEncoder(_bundle, _sessions, padToContextLength: true);
        var tokenizer = new ClipTokenizer(_bundle.LoadVocabulary());
        string[] extremes = ["a", string.Join(' ', Enumerable.Repeat("photo", 100))];
        var prompts = StandardTaxonomies.Load("gtsrb").Classes.SelectMany(c => c.Prompts()).Concat(extremes);
        var sequences = prompts.Select(p => tokenizer.Encode(p).Ids).ToList();
        var expected = padded.Encode(sequences);

        var actual = new float[expected.Values.Length];
        foreach (var batch in _texts.Batches(sequences, 16))
        {
            var embeddings = _texts.Encode([.. batch.Select(i => sequences[i])]);
            for (var j = 0; j < batch.Length; j++)
            {
                embeddings.Row(j).CopyTo(actual.AsSpan(batch[j] * expected.Dimension));
            }
        }

        Assert.True(_texts.PadsToLongest);
        TensorPrimitives.Subtract(expected.Values, actual, actual);
        Assert.InRange(TensorPrimitives.MaxMagnitude(actual), -1e-5f, 1e-5f);
    }
}
