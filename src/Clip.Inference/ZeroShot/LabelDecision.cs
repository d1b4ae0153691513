namespace Clip.Inference.ZeroShot;

/// <summary>
/// The labels a taxonomy's decision policy gives one image. Single-label: the top-k classes by
/// probability, rank 1 being the label and the rest alternatives (kept when abstaining, to show what
/// was not confident enough). Multi-label: every class over its threshold by descending cosine
/// (none when abstaining). <see cref="Abstained"/> means the result is "unknown".
/// </summary>
public sealed record LabelDecision(
    string ModelId,
    string TaxonomyVersion,
    string? HeadVersion,
    IReadOnlyList<RankedLabel> Labels,
    AbstainReason AbstainReason)
{
    public bool Abstained => AbstainReason != AbstainReason.None;

    /// <summary>The label given, or null when abstaining.</summary>
    public RankedLabel? Top => Abstained || Labels.Count == 0 ? null : Labels[0];

    /// <summary>"low probability", "small margin", "no class above threshold", or null.</summary>
    public string? AbstainDescription => Describe(AbstainReason);

    public static string? Describe(AbstainReason reason) => reason switch
    {
        AbstainReason.None => null,
        AbstainReason.LowProbability => "low probability",
        AbstainReason.SmallMargin => "small margin",
        AbstainReason.NoClassAboveThreshold => "no class above threshold",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown abstain reason"),
    };
}
