namespace Clip.Inference.Taxonomies;

/// <summary>How a taxonomy turns class scores into labels.</summary>
public enum DecisionMode
{
    /// <summary>One label per image: the most probable class (softmax over classes) plus ranked alternatives.</summary>
    SingleLabel,

    /// <summary>Any number of labels: every class whose cosine similarity reaches its threshold.</summary>
    MultiLabel,
}
