namespace Clip.Inference.Bundles;

/// <summary>
/// The number format of a tower's weights and arithmetic, as the file a bundle holds it in says: the names of the
/// Hugging Face / Transformers.js ONNX exports (<see cref="TowerFiles"/>).
/// </summary>
public enum ModelPrecision
{
    /// <summary>
    /// Per tower, the variant that suits the device: float16 on CUDA, INT8 on CPU, each when the bundle has it, otherwise
    /// float32.
    /// </summary>
    Auto,

    /// <summary>The float32 export, <c>vision_model.onnx</c> and <c>text_model.onnx</c>.</summary>
    Fp32,

    /// <summary>Dynamically quantised weights, <c>*_quantized.onnx</c>: the fast path of CPUs with 8-bit dot products.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Naming", "CA1720:Identifier contains type name", Justification = "int8 is the setting's and the CLI's spelling, which enum binding matches")]
    Int8,

    /// <summary>Float16 weights and arithmetic, <c>*_fp16.onnx</c>: the fast path of GPUs with tensor cores.</summary>
    Fp16,
}
