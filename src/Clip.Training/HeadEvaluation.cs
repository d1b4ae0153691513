using System.Globalization;
using System.Numerics.Tensors;

namespace Clip.Training;

/// <summary>
/// How a linear head does on labelled examples: top-1 accuracy, and recall per class, whose mean
/// weighs a rare class as much as a common one.
/// </summary>
/// <param name="Examples">How many examples were scored.</param>
/// <param name="Accuracy">Top-1 accuracy over all examples (NaN without examples).</param>
/// <param name="MeanPerClassRecall">Mean of <paramref name="PerClassRecall"/> over the classes that have examples (NaN if none do).</param>
/// <param name="PerClassRecall">Per class index: the fraction of its examples predicted as it, or null when it has no examples.</param>
public sealed record HeadEvaluation(int Examples, double Accuracy, double MeanPerClassRecall, IReadOnlyList<double?> PerClassRecall)
{
    /// <summary>Scores <c>W·x + b</c> for every example; the top class wins, ties going to the lower index.</summary>
    /// <param name="weights">Classes × dimension, row-major.</param>
    /// <param name="bias">One per class.</param>
    /// <param name="classes">Rows of <paramref name="weights"/>.</param>
    /// <param name="dimension">Length of every embedding.</param>
    /// <param name="examples">Labelled embeddings.</param>
    public static HeadEvaluation Evaluate(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int classes, int dimension, IReadOnlyList<LabelledVector> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return FromOutcomes(examples.Select(e => e.ClassIndex).ToList(), Correct(weights, bias, classes, dimension, examples), classes);
    }

    /// <summary>Per example, whether <c>W·x + b</c> ranks its class first (ties going to the lower index).</summary>
    /// <param name="weights">Classes × dimension, row-major.</param>
    /// <param name="bias">One per class.</param>
    /// <param name="classes">Rows of <paramref name="weights"/>.</param>
    /// <param name="dimension">Length of every embedding.</param>
    /// <param name="examples">Labelled embeddings.</param>
    public static bool[] Correct(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int classes, int dimension, IReadOnlyList<LabelledVector> examples)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(examples);
        if (weights.Length != classes * dimension || bias.Length != classes)
        {
            throw new ArgumentException(string.Create(
                CultureInfo.InvariantCulture,
                $"a head over {classes} classes × {dimension} needs {classes * dimension} weights and {classes} biases, got {weights.Length} and {bias.Length}"));
        }

        var correct = new bool[examples.Count];
        for (var i = 0; i < examples.Count; i++)
        {
            var example = examples[i];
            if (example.Embedding.Length != dimension || example.ClassIndex < 0 || example.ClassIndex >= classes)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"every example needs a {dimension}-dimensional embedding and a class index below {classes}"),
                    nameof(examples));
            }

            correct[i] = Predict(weights, bias, classes, dimension, example.Embedding) == example.ClassIndex;
        }

        return correct;
    }

    /// <summary>Accuracy and per-class recall from per-example outcomes, e.g. pooled over cross-validation folds.</summary>
    /// <param name="labels">Per example, its class index.</param>
    /// <param name="correct">Per example, in the same order, whether the classifier got it right.</param>
    /// <param name="classes">How many classes there are.</param>
    public static HeadEvaluation FromOutcomes(IReadOnlyList<int> labels, IReadOnlyList<bool> correct, int classes)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(correct);
        if (labels.Count != correct.Count)
        {
            throw new ArgumentException("one outcome per label", nameof(correct));
        }

        var totals = new int[classes];
        var hits = new int[classes];
        for (var i = 0; i < labels.Count; i++)
        {
            totals[labels[i]]++;
            if (correct[i])
            {
                hits[labels[i]]++;
            }
        }

        var recall = new double?[classes];
        for (var c = 0; c < classes; c++)
        {
            recall[c] = totals[c] == 0 ? null : (double)hits[c] / totals[c];
        }

        var withExamples = recall.Where(r => r.HasValue).Select(r => r!.Value).ToArray();
        return new HeadEvaluation(
            labels.Count,
            labels.Count == 0 ? double.NaN : (double)hits.Sum() / labels.Count,
            withExamples.Length == 0 ? double.NaN : withExamples.Average(),
            recall);
    }

    internal static int Predict(ReadOnlySpan<float> weights, ReadOnlySpan<float> bias, int classes, int dimension, ReadOnlySpan<float> embedding)
    {
        var best = 0;
        var bestLogit = float.NegativeInfinity;
        for (var c = 0; c < classes; c++)
        {
            var logit = TensorPrimitives.Dot(weights.Slice(c * dimension, dimension), embedding) + bias[c];
            if (logit > bestLogit)
            {
                best = c;
                bestLogit = logit;
            }
        }

        return best;
    }
}
