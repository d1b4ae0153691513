using System.Globalization;
using System.Numerics.Tensors;
using Clip.Inference.Encoders;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// Scores image embeddings against a class matrix: <c>logits = logit_scale · (x̂ · W_zs)</c>, or the
/// affine map mixed with a trained head (see <see cref="WeightSpaceMix"/>); probabilities are the
/// softmax over classes. Immutable and thread-safe.
/// </summary>
public sealed class ImageClassifier
{
    private readonly float[] _weights;
    private readonly float[]? _bias;

    /// <param name="classes">The zero-shot class matrix.</param>
    /// <param name="logitScale">The model's learned temperature (100 for OpenAI's CLIP).</param>
    /// <param name="head">A trained head over the same classes, or null for pure zero-shot.</param>
    /// <param name="headWeight">α in [0, 1]: the head's share of the mix; ignored without a head.</param>
    public ImageClassifier(ClassMatrix classes, float logitScale, ClassifierHead? head = null, float headWeight = 1f)
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (!float.IsFinite(logitScale) || logitScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(logitScale), logitScale, "the logit scale must be a positive number");
        }

        Classes = classes;
        LogitScale = logitScale;
        if (head is null)
        {
            _weights = new float[classes.Values.Length];
            TensorPrimitives.Multiply(classes.Values, logitScale, _weights);
            return;
        }

        if (!(headWeight is >= 0f and <= 1f))
        {
            throw new ArgumentOutOfRangeException(nameof(headWeight), headWeight, "the head weight α must lie in [0, 1]");
        }

        if (head.ModelId != classes.ModelId || head.Dimension != classes.Dimension || !head.ClassIds.SequenceEqual(classes.ClassIds, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"head {head.Version} ({head.ModelId}, {head.ClassIds.Count} classes × {head.Dimension}) does not fit the class matrix ({classes.ModelId}, {classes.Count} classes × {classes.Dimension}, same ids in the same order)"),
                nameof(head));
        }

        (_weights, _bias) = WeightSpaceMix.Mix(classes.Values, logitScale, head.Weights, head.Bias, headWeight);
        HeadVersion = head.Version;
        HeadWeight = headWeight;
    }

    /// <summary>Uses the logit scale of the model's bundle.</summary>
    public static ImageClassifier Create(ClipModel model, ClassMatrix classes, ClassifierHead? head = null, float headWeight = 1f)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new ImageClassifier(classes, model.Bundle.LogitScale, head, headWeight);
    }

    public ClassMatrix Classes { get; }

    public float LogitScale { get; }

    public string? HeadVersion { get; }

    public float HeadWeight { get; }

    /// <summary>Scores one image embedding (normalised here, so any non-zero length will do).</summary>
    public ClassScores Classify(ReadOnlySpan<float> imageEmbedding)
    {
        if (imageEmbedding.Length != Classes.Dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"image embedding has {imageEmbedding.Length} values; the class matrix is {Classes.Dimension} wide"),
                nameof(imageEmbedding));
        }

        var image = imageEmbedding.ToArray();
        EmbeddingMatrix.TryNormaliseInPlace(image);
        var count = Classes.Count;
        var dimension = Classes.Dimension;
        var cosines = new float[count];
        var logits = new float[count];
        for (var c = 0; c < count; c++)
        {
            cosines[c] = TensorPrimitives.Dot(image, Classes.Row(c));
            logits[c] = TensorPrimitives.Dot(image, _weights.AsSpan(c * dimension, dimension));
        }

        if (_bias is not null)
        {
            TensorPrimitives.Add(logits, _bias, logits);
        }

        return new ClassScores(Classes.ModelId, Classes.TaxonomyVersion, HeadVersion, HeadWeight, Classes.ClassIds, cosines, logits, Softmax(logits));
    }

    /// <summary>Scores every row of a batch, in order.</summary>
    public IReadOnlyList<ClassScores> Classify(EmbeddingMatrix images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var results = new ClassScores[images.Count];
        for (var i = 0; i < images.Count; i++)
        {
            results[i] = Classify(images.Row(i));
        }

        return results;
    }

    internal static float[] Softmax(ReadOnlySpan<float> logits)
    {
        // Shifting by the maximum keeps exp finite: logits reach 100 at CLIP's scale and exp(100) overflows float.
        var shifted = new float[logits.Length];
        TensorPrimitives.Subtract(logits, TensorPrimitives.Max(logits), shifted);
        TensorPrimitives.Exp(shifted, shifted);
        TensorPrimitives.Divide(shifted, TensorPrimitives.Sum(shifted), shifted);
        return shifted;
    }
}
