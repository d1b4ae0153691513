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
    /// How much the candidate's top-1 accuracy on the test split must exceed the best of zero-shot and the promoted
    /// head (absolute, 0.02 = two points) before it is promoted.
    /// </summary>
    [Range(0.0, 1.0)]
    public double PromotionMargin { get; set; } = 0.02;

    /// <summary>Feedback rows read from the database per page.</summary>
    [Range(1, 1_000_000)]
    public int ReadBatchSize { get; set; } = 4096;
}
