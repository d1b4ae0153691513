using System.ComponentModel.DataAnnotations;

namespace Clip.Training;

/// <summary>How <see cref="HeadTrainer"/> trains a linear head (the rate and decay apply to the head
/// divided by the logit scale, whose rows start as the unit zero-shot rows).</summary>
public sealed class HeadTrainingOptions
{
    public const string SectionName = "Clip:Retraining:Head";

    /// <summary>Seeds torch and the mini-batch shuffles: the same seed and data give identical weights.</summary>
    public int Seed { get; set; } = 42;

    [Range(1, 100_000)]
    public int MaxEpochs { get; set; } = 200;

    [Range(1e-7, 10.0)]
    public double LearningRate { get; set; } = 1e-3;

    [Range(0.0, 1.0)]
    public double WeightDecay { get; set; } = 1e-4;

    public HeadOptimizer Optimizer { get; set; } = HeadOptimizer.Adam;

    /// <summary>SGD momentum; ignored by Adam.</summary>
    [Range(0.0, 0.999)]
    public double Momentum { get; set; } = 0.9;

    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 256;

    /// <summary>Epochs without a validation-loss improvement before training stops.</summary>
    [Range(1, 100_000)]
    public int Patience { get; set; } = 10;

    /// <summary>How much lower than the best so far a validation loss must be to count as an improvement.</summary>
    [Range(0.0, 1.0)]
    public double MinImprovement { get; set; } = 1e-4;

    /// <summary>Weights each class's loss by the inverse of its training frequency, so rare classes count as much as common ones.</summary>
    public bool BalanceClasses { get; set; } = true;
}
