using System.Globalization;
using System.Numerics.Tensors;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// The weight-space mix of a trained head with zero-shot (WiSE-FT, Wortsman et al. 2022), in logit units:
/// <c>W = (1 − α)·logit_scale·W_zs + α·W_trained</c>, <c>b = α·b_trained</c>. The classifier applies it at
/// inference and retraining chooses α with it, so both score a head with the same floats.
/// </summary>
public static class WeightSpaceMix
{
    /// <param name="zeroShot">The zero-shot class matrix (unit rows), classes × dimension, row-major.</param>
    /// <param name="logitScale">The model's logit scale, which puts the zero-shot matrix in logit units.</param>
    /// <param name="trainedWeights">The trained head's weights, the same shape as <paramref name="zeroShot"/>.</param>
    /// <param name="trainedBias">The trained head's bias, one per class.</param>
    /// <param name="alpha">The trained head's share, in [0, 1].</param>
    public static (float[] Weights, float[] Bias) Mix(
        ReadOnlySpan<float> zeroShot, float logitScale, ReadOnlySpan<float> trainedWeights, ReadOnlySpan<float> trainedBias, float alpha)
    {
        if (!(alpha is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must lie in [0, 1]");
        }

        if (zeroShot.Length != trainedWeights.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"the zero-shot matrix has {zeroShot.Length} values and the trained head {trainedWeights.Length}"),
                nameof(trainedWeights));
        }

        // In this order, rounded at each step: the floats every stored score was computed with.
        var weights = new float[zeroShot.Length];
        TensorPrimitives.Multiply(zeroShot, logitScale, weights);
        TensorPrimitives.Multiply(weights, 1f - alpha, weights);
        var trainedShare = new float[trainedWeights.Length];
        TensorPrimitives.Multiply(trainedWeights, alpha, trainedShare);
        TensorPrimitives.Add(weights, trainedShare, weights);
        var bias = new float[trainedBias.Length];
        TensorPrimitives.Multiply(trainedBias, alpha, bias);
        return (weights, bias);
    }
}
