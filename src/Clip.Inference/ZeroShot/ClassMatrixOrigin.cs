namespace Clip.Inference.ZeroShot;

/// <summary>Where a labeling state's class matrix came from.</summary>
public enum ClassMatrixOrigin
{
    /// <summary>Embedded from the taxonomy's prompts by this process.</summary>
    Built,

    /// <summary>Read from this machine's cache folder.</summary>
    CacheFile,

    /// <summary>Read from the shared store (the results database) that another process filled.</summary>
    SharedStore,
}
