namespace Clip.Inference.ZeroShot;

/// <summary>Why a decision answered "unknown" instead of a label.</summary>
public enum AbstainReason
{
    None,

    /// <summary>Single-label: the top class's probability is below the taxonomy's floor.</summary>
    LowProbability,

    /// <summary>Single-label: the top two classes' probabilities are closer than the taxonomy's margin.</summary>
    SmallMargin,

    /// <summary>Multi-label: no class's cosine similarity reaches its threshold.</summary>
    NoClassAboveThreshold,
}
