using System.ComponentModel.DataAnnotations;
using Clip.Inference.Bundles;

namespace Clip.Inference.Encoders;

/// <summary>Which model bundle to load and where to run it. Bound from the <c>Clip:Inference</c> section.</summary>
public sealed class InferenceOptions
{
    public const string SectionName = "Clip:Inference";

    /// <summary>Folder of the model bundle; the tiny CLIP that ships with the product by default.</summary>
    [Required]
    public string ModelPath { get; set; } = BundledModel.DirectoryPath;

    public ExecutionDevice Device { get; set; } = ExecutionDevice.Auto;

    /// <summary>CUDA device ordinal when <see cref="Device"/> is CUDA or Auto.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>
    /// Which variant of each tower to run: fp32, int8, fp16, or auto (fp16 on CUDA, int8 on CPU, each where the bundle has
    /// it, else fp32). Float32 by default: results, class matrices and heads stored under the float32 model id stay the
    /// ones this worker reads and writes until someone chooses otherwise.
    /// </summary>
    public ModelPrecision Precision { get; set; } = ModelPrecision.Fp32;

    /// <summary>Threads ONNX Runtime uses inside one operator on CPU; 0 lets it choose.</summary>
    [Range(0, 1024)]
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether ONNX Runtime's idle CPU threads spin between operators. Off by default: image preparation shares the
    /// cores, and spinning threads take them from it (the worker labelled ViT-B/32-size batches 15 % faster without).
    /// </summary>
    public bool IntraOpSpinning { get; set; }
}
