using Clip.Inference.ZeroShot;

namespace Clip.Training.Tests;

public sealed class WeightSpaceEnsembleTests
{
    private const float LogitScale = 100f;

    [Fact]
    public void Mix_Endpoints_AreZeroShotAndTheTrainedHead()
    {
        float[] zeroShot = [0.6f, 0.8f, 1f, 0f];
        var trained = new TrainedHead([1f, 2f, 3f, 4f], [5f, 6f], Epochs: 1, BestValidationLoss: 0);

        var atZero = WeightSpaceEnsemble.Mix(zeroShot, LogitScale, trained, 0);
        var halfway = WeightSpaceEnsemble.Mix(zeroShot, LogitScale, trained, 0.5);
        var atOne = WeightSpaceEnsemble.Mix(zeroShot, LogitScale, trained, 1);

        Assert.Equal(new[] { 60f, 80f, 100f, 0f }, atZero.Weights, (a, b) => Math.Abs(a - b) < 1e-4f);
        Assert.Equal(new[] { 0f, 0f }, atZero.Bias);
        Assert.Equal(new[] { 30.5f, 41f, 51.5f, 2f }, halfway.Weights, (a, b) => Math.Abs(a - b) < 1e-4f);
        Assert.Equal(new[] { 2.5f, 3f }, halfway.Bias);
        Assert.Equal(trained.Weights, atOne.Weights);
        Assert.Equal(trained.Bias, atOne.Bias);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.7)]
    [InlineData(1.0)]
    public void Mix_IsTheMixTheInferenceClassifierApplies_BitForBit(double alpha)
    {
        var world = new SyntheticClusters(classes: 4, dimension: 8);
        var weights = new float[world.Centres.Length];
        var bias = new float[world.Classes];
        HeadTrainingWorkload.Gaussian(new Random(3), weights, LogitScale / 4);
        HeadTrainingWorkload.Gaussian(new Random(4), bias, 1f);
        string[] ids = ["a", "b", "c", "d"];
        var classifier = new ImageClassifier(
            new ClassMatrix("m", "v", ids, world.Centres, world.Dimension), LogitScale, new ClassifierHead("h", "m", ids, weights, bias, world.Dimension), (float)alpha);

        var mixed = WeightSpaceEnsemble.Mix(world.Centres, LogitScale, new TrainedHead(weights, bias, Epochs: 1, BestValidationLoss: 0), alpha);

        // A basis vector stays itself when normalised, so each logit is one mixed weight plus its bias, exactly.
        for (var j = 0; j < world.Dimension; j++)
        {
            var basis = new float[world.Dimension];
            basis[j] = 1f;
            var logits = classifier.Classify(basis).Logits;
            for (var c = 0; c < world.Classes; c++)
            {
                Assert.Equal(BitConverter.SingleToInt32Bits(mixed.Weights[(c * world.Dimension) + j] + mixed.Bias[c]), BitConverter.SingleToInt32Bits(logits[c]));
            }
        }
    }

    [Fact]
    public void ChooseAlpha_NoiseHead_PrefersZeroShot()
    {
        var world = new SyntheticClusters(classes: 5, dimension: 16);
        var noise = new float[world.Centres.Length];
        HeadTrainingWorkload.Gaussian(new Random(1), noise, LogitScale / 4); // rows of norm ≈ logit scale
        var noiseHead = new TrainedHead(noise, new float[world.Classes], Epochs: 1, BestValidationLoss: double.NaN);

        var choice = WeightSpaceEnsemble.ChooseAlpha(world.Centres, LogitScale, noiseHead, world.Classes, world.Dimension, world.Sample(20, 0.2f));

        Assert.InRange(choice.Alpha, 0, 0.2);
        Assert.Equal(11, choice.Scores.Count);
        Assert.True(choice.Scores[^1].MeanPerClassRecall < choice.Scores[0].MeanPerClassRecall);
    }

    [Fact]
    public void ChooseAlpha_WrongZeroShotAndAGoodHead_PrefersTheHead()
    {
        var world = new SyntheticClusters(classes: 5, dimension: 16);
        var goodHead = new TrainedHead(SyntheticClusters.Scaled(world.Centres, LogitScale), new float[world.Classes], Epochs: 1, BestValidationLoss: 0);

        var choice = WeightSpaceEnsemble.ChooseAlpha(world.ShiftedCentres(), LogitScale, goodHead, world.Classes, world.Dimension, world.Sample(20, 0.2f));

        Assert.InRange(choice.Alpha, 0.5, 1);
    }

    [Fact]
    public void ChooseAlpha_AllTied_ChoosesTheSmallestAlpha()
    {
        var world = new SyntheticClusters(classes: 3, dimension: 8);
        var sameHead = new TrainedHead(SyntheticClusters.Scaled(world.Centres, LogitScale), new float[world.Classes], Epochs: 1, BestValidationLoss: 0);

        var choice = WeightSpaceEnsemble.ChooseAlpha(world.Centres, LogitScale, sameHead, world.Classes, world.Dimension, world.Sample(10, 0.1f), [1.0, 0.5, 0.25]);

        Assert.Equal(0.25, choice.Alpha);
    }
}
