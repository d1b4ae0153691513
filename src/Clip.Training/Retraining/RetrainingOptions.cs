using System.ComponentModel.DataAnnotations;

namespace Clip.Training.Retraining;

/// <summary>What the retraining job trains and when it promotes. Bound from <c>Clip:Retraining</c>.</summary>
public sealed class RetrainingOptions
{
    public const string SectionName = "Clip:Retraining";

    /// <summary>A shipped taxonomy's name or a taxonomy file: the classes the head is trained for.</summary>
    [Required]
    public string Taxonomy { get; set; } = "tiny-shapes";

    /// <summary>Seeds the split and the trainer: the same data and seed give the same head.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Share of each class held out for early stopping and the choice of α.</summary>
    [Range(0.01, 0.5)]
    public double ValidationFraction { get; set; } = 0.15;

    /// <summary>Share of each class held out for the promotion decision, never seen in training or α choice.</summary>
    [Range(0.01, 0.5)]
    public double TestFraction { get; set; } = 0.15;

    /// <summary>
    /// The gain in top-1 accuracy over the better of zero-shot and the promoted head (absolute, 0.02 = two points) that
    /// the lower end of the gain's interval must clear before the candidate is promoted.
    /// </summary>
    [Range(0.0, 1.0)]
    public double PromotionMargin { get; set; } = 0.02;

    /// <summary>Coverage of the interval on the candidate's gain (paired bootstrap over the held-out images).</summary>
    [Range(0.5, 0.999)]
    public double Confidence { get; set; } = 0.95;

    /// <summary>
    /// Below this many verified examples, gains are measured by k-fold cross-validation (every example held out once)
    /// instead of one test split, and the head kept is then trained on all of them; 0 always uses the split.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int CrossValidationBelow { get; set; } = 2000;

    /// <summary>Folds of that cross-validation.</summary>
    [Range(2, 20)]
    public int Folds { get; set; } = 5;

    /// <summary>Feedback rows read from the database per page.</summary>
    [Range(1, 1_000_000)]
    public int ReadBatchSize { get; set; } = 4096;
}
