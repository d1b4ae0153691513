namespace Clip.Training;

public enum HeadOptimizer
{
    /// <summary>AdamW: Adam with decoupled weight decay.</summary>
    Adam,

    /// <summary>SGD with momentum and (coupled) L2 weight decay.</summary>
    Sgd,
}
