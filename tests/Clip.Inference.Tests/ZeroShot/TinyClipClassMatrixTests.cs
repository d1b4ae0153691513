using System.Numerics.Tensors;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;

namespace Clip.Inference.Tests.ZeroShot;

/// <summary>The whole zero-shot path with the bundled tiny model: taxonomy → class matrix (cached) → scores → decision.</summary>
public sealed class TinyClipClassMatrixTests : IDisposable
{
    private readonly ClipModel _model = ClipModel.Load(new InferenceOptions { Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
    private readonly TemporaryDirectory _cacheFolder = new();
    private int _embedCalls;

    public void Dispose()
    {
        _model.Dispose();
        _cacheFolder.Dispose();
    }

    private EmbeddingMatrix CountingEmbed(IReadOnlyList<string> prompts)
    {
        _embedCalls++;
        return _model.EmbedTexts(prompts);
    }

    private ClassMatrix GetOrBuild(Taxonomy taxonomy) =>
        new ClassMatrixCache(_cacheFolder.Path, NullLogger<ClassMatrixCache>.Instance)
            .GetOrBuildAsync(_model.ModelId, taxonomy, () => ClassMatrixBuilder.Build(taxonomy, _model.ModelId, CountingEmbed)).GetAwaiter().GetResult().Matrix;

    [Fact]
    public void GetOrBuild_TinyShapes_BuildsUnitRowsOnceThenReadsTheCache()
    {
        var taxonomy = StandardTaxonomies.Load("tiny-shapes", _model.Tokenizer);

        var built = GetOrBuild(taxonomy);
        var callsToBuild = _embedCalls;
        var cached = GetOrBuild(taxonomy);

        Assert.Equal(1, callsToBuild);
        Assert.Equal(callsToBuild, _embedCalls);
        Assert.Equal((6, _model.TextEncoder.Dimension), (built.Count, built.Dimension));
        Assert.Equal(["circle", "square", "triangle", "star", "cross", "heart"], built.ClassIds);
        for (var c = 0; c < built.Count; c++)
        {
            Assert.Equal(1f, TensorPrimitives.Norm(built.Row(c)), 4);
        }

        Assert.Equal(built.Values.ToArray(), cached.Values.ToArray());
        Assert.Equal((_model.ModelId, taxonomy.Version), (cached.ModelId, cached.TaxonomyVersion));
    }

    [Fact]
    public void Decide_RenderedScene_GivesRankedLabelsOfTheTaxonomyRecordingTheirProvenance()
    {
        var taxonomy = StandardTaxonomies.Load("tiny-colours", _model.Tokenizer);
        var classifier = ImageClassifier.Create(_model, GetOrBuild(taxonomy));
        using var image = SyntheticWorld.Render("red", "circle", new Random(5));
        using var png = new MemoryStream();
        image.SaveAsPng(png);

        var scores = classifier.Classify(_model.EmbedImages([png.ToArray()]).Row(0));
        var decision = new LabelDecider(taxonomy).Decide(scores);

        Assert.Equal(1f, scores.Probabilities.Sum(), 4);
        Assert.Equal(taxonomy.Decision.TopK, decision.Labels.Count);
        Assert.Equal([1, 2, 3], decision.Labels.Select(l => l.Rank));
        Assert.All(decision.Labels, l => Assert.Contains(l.ClassId, taxonomy.Classes.Select(c => c.Id)));
        Assert.Equal((_model.ModelId, taxonomy.Version, (string?)null), (decision.ModelId, decision.TaxonomyVersion, decision.HeadVersion));
    }

    [Fact]
    public void Build_PromptsPaddedToTheLongestOfTheirBatch_MatchesPaddingToTheContextLength()
    {
        using var padded = ClipModel.Load(
            new InferenceOptions { Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance, padPromptsToContextLength: true);
        var taxonomy = StandardTaxonomies.Load("gtsrb", _model.Tokenizer);

        var expected = ClassMatrixBuilder.Build(padded, taxonomy, batchSize: 16);
        var actual = ClassMatrixBuilder.Build(_model, taxonomy, batchSize: 16);

        Assert.Equal(expected.ClassIds, actual.ClassIds);
        var difference = new float[expected.Values.Length];
        TensorPrimitives.Subtract(expected.Values, actual.Values, difference);
        Assert.InRange(TensorPrimitives.MaxMagnitude(difference), -1e-5f, 1e-5f);
    }
}
