using Clip.Inference.Encoders;
using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

/// <summary>
/// The hand-worked example: classes a = (1, 0), b = (0, 1), c = (0.6, 0.8); image x = (0.8, 0.6);
/// logit scale 10. Cosines 0.8, 0.6, 0.96; logits 8, 6, 9.6; softmax = exp(l − 9.6) / Σ =
/// (e^−1.6, e^−3.6, 1) / 1.2292202 = 0.1642476, 0.0222285, 0.8135239.
/// </summary>
public sealed class ImageClassifierTests
{
    private static readonly float[] Image = [0.8f, 0.6f];

    internal static ClassMatrix HandMatrix(string modelId = "m", string taxonomyVersion = "v") =>
        new(modelId, taxonomyVersion, ["a", "b", "c"], [1f, 0f, 0f, 1f, 0.6f, 0.8f], 2);

    // Logit units: logits = W·x + b, so for x: W·x = (0.8, 1.2, −0.2).
    private static ClassifierHead Head(string modelId = "m") =>
        new("head-1", modelId, ["a", "b", "c"], [1f, 0f, 0f, 2f, -1f, 1f], [0.5f, -1f, 0f], 2);

    [Fact]
    public void Classify_HandWorkedExample_GivesTheExpectedCosinesLogitsAndProbabilities()
    {
        var scores = new ImageClassifier(HandMatrix(), logitScale: 10f).Classify(Image);

        AssertClose([0.8f, 0.6f, 0.96f], scores.Cosines);
        AssertClose([8f, 6f, 9.6f], scores.Logits);
        AssertClose([0.1642476f, 0.0222285f, 0.8135239f], scores.Probabilities);
        Assert.Null(scores.HeadVersion);
        Assert.Equal(["a", "b", "c"], scores.ClassIds);
        Assert.Equal(("m", "v"), (scores.ModelId, scores.TaxonomyVersion));
    }

    [Fact]
    public void Classify_ImageOfAnyLength_IsNormalisedFirst()
    {
        var scores = new ImageClassifier(HandMatrix(), 10f).Classify([8f, 6f]);

        AssertClose([8f, 6f, 9.6f], scores.Logits);
    }

    [Fact]
    public void Classify_LogitsOfClipScale_ProbabilitiesStayFinite()
    {
        var scores = new ImageClassifier(HandMatrix(), 100f).Classify(Image);

        Assert.All(scores.Probabilities, p => Assert.True(float.IsFinite(p)));
        Assert.Equal(1f, scores.Probabilities.Sum(), 5);
    }

    [Fact]
    public void Classify_Batch_ScoresEveryRowInOrder()
    {
        var images = EmbeddingMatrix.FromRaw([0.8f, 0.6f, 0f, 1f], 2, 2);

        var scores = new ImageClassifier(HandMatrix(), 10f).Classify(images);

        Assert.Equal(2, scores.Count);
        AssertClose([0.8f, 0.6f, 0.96f], scores[0].Cosines);
        AssertClose([0f, 1f, 0.8f], scores[1].Cosines);
    }

    [Fact]
    public void Classify_WrongWidth_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => new ImageClassifier(HandMatrix(), 10f).Classify([1f, 0f, 0f]));

        Assert.Contains("the class matrix is 2 wide", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_HeadWeightZero_GivesZeroShotLogitsAndRecordsTheHead()
    {
        var scores = new ImageClassifier(HandMatrix(), 10f, Head(), headWeight: 0f).Classify(Image);

        AssertClose([8f, 6f, 9.6f], scores.Logits);
        Assert.Equal("head-1", scores.HeadVersion);
    }

    [Fact]
    public void Classify_HeadWeightOne_GivesTheHeadsLogitsWithItsBias()
    {
        var scores = new ImageClassifier(HandMatrix(), 10f, Head(), headWeight: 1f).Classify(Image);

        // (0.8 + 0.5, 1.2 − 1, −0.2 + 0)
        AssertClose([1.3f, 0.2f, -0.2f], scores.Logits);
        AssertClose([0.8f, 0.6f, 0.96f], scores.Cosines);
    }

    [Fact]
    public void Classify_HeadWeightHalf_InterpolatesWeightsAndScalesTheBias()
    {
        var scores = new ImageClassifier(HandMatrix(), 10f, Head(), headWeight: 0.5f).Classify(Image);

        // 0.5·(8, 6, 9.6) + 0.5·(0.8, 1.2, −0.2) + 0.5·(0.5, −1, 0)
        AssertClose([4.65f, 3.1f, 4.7f], scores.Logits);
    }

    [Fact]
    public void Constructor_HeadForOtherClasses_Throws()
    {
        var head = new ClassifierHead("h", "m", ["a", "c", "b"], new float[6], new float[3], 2);

        Assert.Throws<ArgumentException>(() => new ImageClassifier(HandMatrix(), 10f, head));
    }

    [Fact]
    public void Constructor_HeadForOtherModel_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ImageClassifier(HandMatrix(), 10f, Head(modelId: "other")));
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1.1f)]
    [InlineData(float.NaN)]
    public void Constructor_HeadWeightOutsideUnitInterval_Throws(float alpha)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ImageClassifier(HandMatrix(), 10f, Head(), alpha));
    }

    private static void AssertClose(float[] expected, IReadOnlyList<float> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }
    }
}
