using System.Numerics.Tensors;
using Clip.Inference.Encoders;
using Clip.Inference.Tests.Taxonomies;
using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ClassMatrixBuilderTests
{
    private static readonly Dictionary<string, float[]> Vectors = new(StringComparer.Ordinal)
    {
        ["x cat"] = [1f, 0f, 0f],
        ["y cat"] = [0f, 3f, 0f],
        ["x dog"] = [0f, 0f, 2f],
        ["y dog"] = [0f, 0f, 5f],
        ["x puppy"] = [0f, 1f, 0f],
        ["y puppy"] = [0f, 1f, 0f],
    };

    private static readonly string TwoClasses =
        "{'name': 't', 'templates': ['x {}', 'y {}'], 'classes': [{'id': 'cat', 'names': ['cat']}, {'id': 'dog', 'names': ['dog', 'puppy']}]}";

    private sealed class RecordingEmbedder
    {
        public List<IReadOnlyList<string>> Batches { get; } = [];

        public EmbeddingMatrix Embed(IReadOnlyList<string> prompts)
        {
            Batches.Add([.. prompts]);
            return EmbeddingMatrix.FromRaw(prompts.SelectMany(p => Vectors[p]).ToArray(), prompts.Count, 3);
        }
    }

    [Fact]
    public void Build_TwoTemplates_RowIsTheNormalisedMeanOfTheNormalisedPrompts()
    {
        var matrix = ClassMatrixBuilder.Build(TaxonomyJson.Parse(TwoClasses), "m", new RecordingEmbedder().Embed);

        // cat: mean of (1,0,0) and (0,1,0) (the second normalised from (0,3,0)) → (1,1,0)/√2.
        var h = MathF.Sqrt(0.5f);
        AssertRow([h, h, 0f], matrix.Row(0));
        // dog: (0,0,1), (0,0,1), (0,1,0), (0,1,0) → (0,2,2) → (0,1,1)/√2.
        AssertRow([0f, h, h], matrix.Row(1));
    }

    [Fact]
    public void Build_Result_RecordsModelTaxonomyVersionAndClassOrder()
    {
        var taxonomy = TaxonomyJson.Parse(TwoClasses);

        var matrix = ClassMatrixBuilder.Build(taxonomy, "model-1", new RecordingEmbedder().Embed);

        Assert.Equal(("model-1", taxonomy.Version), (matrix.ModelId, matrix.TaxonomyVersion));
        Assert.Equal(["cat", "dog"], matrix.ClassIds);
        Assert.Equal((2, 3), (matrix.Count, matrix.Dimension));
    }

    [Theory]
    [InlineData(1, 6)]
    [InlineData(4, 2)]
    [InlineData(256, 1)]
    public void Build_AnyBatchSize_BatchesPromptsAcrossClassesWithTheSameResult(int batchSize, int expectedCalls)
    {
        var taxonomy = TaxonomyJson.Parse(TwoClasses);
        var embedder = new RecordingEmbedder();

        var matrix = ClassMatrixBuilder.Build(taxonomy, "m", embedder.Embed, batchSize);

        Assert.Equal(expectedCalls, embedder.Batches.Count);
        Assert.All(embedder.Batches, b => Assert.InRange(b.Count, 1, batchSize));
        Assert.Equal(
            ClassMatrixBuilder.Build(taxonomy, "m", new RecordingEmbedder().Embed, 1).Values.ToArray(),
            matrix.Values.ToArray());
    }

    [Fact]
    public void Build_EmbedderReturnsTooFewRows_Throws()
    {
        var taxonomy = TaxonomyJson.Parse(TwoClasses);

        Assert.Throws<InvalidOperationException>(() =>
            ClassMatrixBuilder.Build(taxonomy, "m", _ => EmbeddingMatrix.FromRaw([1f, 0f, 0f], 1, 3)));
    }

    private static void AssertRow(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(1f, TensorPrimitives.Norm(actual), 5);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }
}
