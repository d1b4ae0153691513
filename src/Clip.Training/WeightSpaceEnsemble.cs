using Clip.Inference.ZeroShot;

namespace Clip.Training;

/// <summary>
/// Weight-space ensembling of a trained head with zero-shot (WiSE-FT, Wortsman et al. 2022):
/// <c>W = (1 − α)·logit_scale·W_zs + α·W_trained</c>, <c>b = α·b_trained</c>. α = 0 is zero-shot,
/// α = 1 the trained head; in between keeps much of zero-shot's robustness under distribution shift.
/// The mix itself is <see cref="WeightSpaceMix"/>, the one the classifier applies at inference.
/// </summary>
public static class WeightSpaceEnsemble
{
    /// <summary>0, 0.1, …, 1.</summary>
    public static IReadOnlyList<double> DefaultAlphas { get; } = [.. Enumerable.Range(0, 11).Select(i => i / 10.0)];

    /// <param name="zeroShot">The zero-shot class matrix (unit rows), classes × dimension, row-major.</param>
    /// <param name="logitScale">The model's logit scale, which puts the zero-shot matrix in logit units.</param>
    /// <param name="trained">A head trained over the same classes and dimension.</param>
    /// <param name="alpha">The trained head's share, in [0, 1].</param>
    public static MixedHead Mix(ReadOnlySpan<float> zeroShot, float logitScale, TrainedHead trained, double alpha)
    {
        ArgumentNullException.ThrowIfNull(trained);
        if (!(alpha is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must lie in [0, 1]");
        }

        var (weights, bias) = WeightSpaceMix.Mix(zeroShot, logitScale, trained.Weights, trained.Bias, (float)alpha);
        return new MixedHead(weights, bias, alpha);
    }

    /// <summary>
    /// Mixes at every α of the grid and scores each mix on the validation examples by mean per-class
    /// recall; the best wins, ties going to the smaller α (closer to zero-shot).
    /// </summary>
    /// <param name="zeroShot">The zero-shot class matrix (unit rows), classes × dimension, row-major.</param>
    /// <param name="logitScale">The model's logit scale.</param>
    /// <param name="trained">A head trained over the same classes.</param>
    /// <param name="classes">Rows of the matrices.</param>
    /// <param name="dimension">Length of every embedding.</param>
    /// <param name="validation">Held-out examples the choice is made on (not the test split).</param>
    /// <param name="alphas">The grid; <see cref="DefaultAlphas"/> when null.</param>
    public static AlphaChoice ChooseAlpha(
        ReadOnlySpan<float> zeroShot,
        float logitScale,
        TrainedHead trained,
        int classes,
        int dimension,
        IReadOnlyList<LabelledVector> validation,
        IReadOnlyList<double>? alphas = null)
    {
        alphas ??= DefaultAlphas;
        if (alphas.Count == 0)
        {
            throw new ArgumentException("the α grid is empty", nameof(alphas));
        }

        var scores = new List<AlphaScore>(alphas.Count);
        foreach (var alpha in alphas.Order())
        {
            var mixed = Mix(zeroShot, logitScale, trained, alpha);
            var evaluation = HeadEvaluation.Evaluate(mixed.Weights, mixed.Bias, classes, dimension, validation);
            scores.Add(new AlphaScore(alpha, evaluation.MeanPerClassRecall, evaluation.Accuracy));
        }

        // Ordered by α, so the first maximum is the smallest α among the tied.
        var best = scores[0];
        foreach (var score in scores.Skip(1))
        {
            if (score.MeanPerClassRecall > best.MeanPerClassRecall)
            {
                best = score;
            }
        }

        return new AlphaChoice(best.Alpha, scores);
    }
}

/// <summary>A zero-shot/trained mix in logit units (classes × dimension weights, one bias per class).</summary>
public sealed record MixedHead(float[] Weights, float[] Bias, double Alpha);

/// <summary>One point of the α grid: the mix's validation scores.</summary>
public sealed record AlphaScore(double Alpha, double MeanPerClassRecall, double Accuracy);

/// <summary>The chosen α and the whole grid it was chosen from (for the training report).</summary>
public sealed record AlphaChoice(double Alpha, IReadOnlyList<AlphaScore> Scores);
