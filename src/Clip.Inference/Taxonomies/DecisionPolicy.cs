namespace Clip.Inference.Taxonomies;

/// <summary>The <c>decision</c> section of a taxonomy: how scores become labels and when to answer "unknown".</summary>
/// <param name="Mode">Single-label (softmax) or multi-label (cosine thresholds).</param>
/// <param name="TopK">Labels reported in single-label mode: the top one and <c>TopK - 1</c> alternatives.</param>
/// <param name="AbstainBelowProbability">Single-label: abstain when the top probability is below this.</param>
/// <param name="AbstainBelowMargin">Single-label: abstain when the top probability leads the second by less than this.</param>
/// <param name="DefaultThreshold">Multi-label: the cosine threshold of classes that set none.</param>
public sealed record DecisionPolicy(
    DecisionMode Mode,
    int TopK,
    double AbstainBelowProbability,
    double AbstainBelowMargin,
    double? DefaultThreshold)
{
    public const int DefaultTopK = 5;

    /// <summary>Single-label, top 5, never abstaining.</summary>
    public static DecisionPolicy Default { get; } = new(DecisionMode.SingleLabel, DefaultTopK, 0, 0, null);
}
