using System.Globalization;

namespace Clip.Inference.Encoders;

/// <summary>A GPU's CUDA compute capability, such as 8.6 for an A10: what machine code it runs.</summary>
public readonly record struct ComputeCapability(int Major, int Minor)
{
    /// <summary>
    /// Whether a GPU of this capability runs a cubin compiled for <paramref name="cubin"/>: CUDA's binary compatibility
    /// holds within a major version, from the cubin's minor version up (sm_80 runs on 8.6, never on 9.0 or 7.5).
    /// </summary>
    public bool Runs(ComputeCapability cubin) => Major == cubin.Major && Minor >= cubin.Minor;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
