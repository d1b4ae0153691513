using Clip.Training.Promotion;

namespace Clip.Training.Retraining;

/// <summary>How a retraining run ended.</summary>
public enum RetrainingOutcome
{
    /// <summary>The interval on the candidate's gain over the best of zero-shot and the promoted head cleared the margin; it is now promoted.</summary>
    Promoted,

    /// <summary>The candidate was stored but its gain was not shown to clear the margin; nothing changed for the workers.</summary>
    Kept,

    /// <summary>Too little verified data to train and measure a head; nothing was stored.</summary>
    NotEnoughData,
}

/// <summary>Top-1 accuracy and mean per-class recall of one classifier on the held-out images.</summary>
public sealed record SplitScore(double Accuracy, double MeanPerClassRecall);

/// <summary>One class's recall on the test split under each classifier (null: no test examples, or no current head).</summary>
public sealed record ClassChange(string ClassId, int TrainingExamples, double? ZeroShot, double? Current, double? Candidate);

/// <summary>Everything a run decided and measured; also stored (as JSON) with the candidate head.</summary>
public sealed record RetrainingReport(
    RetrainingOutcome Outcome,
    string Reason,
    string ModelId,
    string TaxonomyVersion,
    string? CandidateVersion,
    string? PreviousVersion,
    double Alpha,
    int Examples,
    int TrainingExamples,
    int ValidationExamples,
    int TestExamples,
    SplitScore? ZeroShot,
    SplitScore? Current,
    SplitScore? Candidate,
    IReadOnlyList<ClassChange> Classes,
    IReadOnlyList<string> ClassesWithoutEnoughData,
    IReadOnlyList<string> UnknownLabels)
{
    /// <summary>The promotion decision with its evidence; null when nothing was trained.</summary>
    public PromotionDecision? Decision { get; init; }
}
