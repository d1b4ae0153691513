using System.CommandLine;
using Clip.Inference;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;

namespace Clip.Cli;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string> Model() => new("--model")
    {
        Description = "Model bundle folder (default: the bundled tiny CLIP)",
        DefaultValueFactory = _ => BundledModel.DirectoryPath,
    };

    public static Option<ExecutionDevice> Device() => new("--device")
    {
        Description = "Execution provider: auto (CUDA if it loads, else CPU), cpu or cuda",
        DefaultValueFactory = _ => ExecutionDevice.Auto,
    };

    public static Option<ModelPrecision> Precision() => new("--precision")
    {
        Description = "Variant of each tower: fp32, int8 (*_quantized.onnx), fp16 (*_fp16.onnx), or auto (fp16 on CUDA, int8 on CPU, where the bundle has them)",
        DefaultValueFactory = _ => ModelPrecision.Fp32,
    };

    public static Option<JpegDecode> JpegDecode() => new("--jpeg-decode")
    {
        Description = "exact (every pixel, as OpenAI's preprocessing) or fast (libjpeg-turbo's DCT scaling for large JPEGs, as Pillow's draft)",
        DefaultValueFactory = _ => Inference.Imaging.JpegDecode.Exact,
    };

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object per input" };
}
