using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class WeightSpaceMixTests
{
    private const float LogitScale = 100f;

    [Theory]
    [InlineData(0f)]
    [InlineData(0.3f)]
    [InlineData(0.7f)]
    [InlineData(1f)]
    public void Mix_EveryValue_IsRoundedAsTheFormulaWrittenOutInFloats(float alpha)
    {
        var random = new Random(5);
        var zeroShot = Enumerable.Range(0, 37).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var trained = Enumerable.Range(0, 37).Select(_ => (float)((random.NextDouble() - 0.5) * 50)).ToArray();
        var bias = Enumerable.Range(0, 5).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();

        var (weights, mixedBias) = WeightSpaceMix.Mix(zeroShot, LogitScale, trained, bias, alpha);

        // Stored scores were computed in this order, so a reordering that merely rounds differently would show here.
        Assert.Equal(zeroShot.Select((z, i) => BitConverter.SingleToInt32Bits((z * LogitScale * (1f - alpha)) + (trained[i] * alpha))), weights.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(bias.Select(b => BitConverter.SingleToInt32Bits(b * alpha)), mixedBias.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Mix_Endpoints_AreZeroShotInLogitUnitsAndTheTrainedHead()
    {
        float[] zeroShot = [0.6f, 0.8f, 1f, 0f];
        float[] trained = [1f, 2f, 3f, 4f];
        float[] bias = [5f, 6f];

        var atZero = WeightSpaceMix.Mix(zeroShot, LogitScale, trained, bias, 0f);
        var atOne = WeightSpaceMix.Mix(zeroShot, LogitScale, trained, bias, 1f);

        Assert.Equal(new[] { 60f, 80f, 100f, 0f }, atZero.Weights, (a, b) => Math.Abs(a - b) < 1e-4f);
        Assert.Equal(new[] { 0f, 0f }, atZero.Bias);
        Assert.Equal(trained, atOne.Weights);
        Assert.Equal(bias, atOne.Bias);
    }

    [Theory]
    [InlineData(-0.01f)]
    [InlineData(1.01f)]
    [InlineData(float.NaN)]
    public void Mix_AlphaOutsideUnitInterval_Throws(float alpha)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightSpaceMix.Mix([1f], LogitScale, [1f], [0f], alpha));
    }

    [Fact]
    public void Mix_TrainedHeadOfAnotherSize_Throws()
    {
        Assert.Throws<ArgumentException>(() => WeightSpaceMix.Mix([1f, 0f], LogitScale, [1f], [0f], 0.5f));
    }
}
