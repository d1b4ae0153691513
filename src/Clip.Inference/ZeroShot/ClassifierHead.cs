using System.Globalization;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// A trained linear head over L2-normalised image embeddings: <c>logits = W·x + b</c>, W being
/// classes × dimension in logit units (the zero-shot classifier in the same units is
/// <c>logit_scale · W_zs</c> with no bias, which is where retraining starts from).
/// </summary>
/// <remarks>
/// Mixing with weight α (weight-space ensembling) interpolates the whole affine map:
/// <c>W = (1 − α)·logit_scale·W_zs + α·W_head</c> and <c>b = α·b_head</c>; α = 0 is pure zero-shot, α = 1 the head alone.
/// </remarks>
public sealed class ClassifierHead
{
    private readonly float[] _weights;
    private readonly float[] _bias;

    public ClassifierHead(string version, string modelId, IReadOnlyList<string> classIds, float[] weights, float[] bias, int dimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(version);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(classIds);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(bias);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfZero(classIds.Count);
        if (weights.Length != classIds.Count * dimension || bias.Length != classIds.Count)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"a head over {classIds.Count} classes × {dimension} needs {classIds.Count * dimension} weights and {classIds.Count} biases, got {weights.Length} and {bias.Length}"));
        }

        if (!weights.All(float.IsFinite) || !bias.All(float.IsFinite))
        {
            throw new ArgumentException("head weights and biases must be finite");
        }

        Version = version;
        ModelId = modelId;
        ClassIds = [.. classIds];
        _weights = (float[])weights.Clone();
        _bias = (float[])bias.Clone();
        Dimension = dimension;
    }

    /// <summary>Recorded with every result the head contributed to.</summary>
    public string Version { get; }

    /// <summary>The model whose image embeddings the head was trained on.</summary>
    public string ModelId { get; }

    /// <summary>Class ids in row order; must match the class matrix the head is used with.</summary>
    public IReadOnlyList<string> ClassIds { get; }

    public int Dimension { get; }

    /// <summary>Row-major classes × dimension, in logit units.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    public ReadOnlySpan<float> Bias => _bias;
}
