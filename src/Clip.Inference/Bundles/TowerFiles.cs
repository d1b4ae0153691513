namespace Clip.Inference.Bundles;

/// <summary>The ONNX files a bundle holds for one tower, one per precision it was exported or quantised in.</summary>
public sealed class TowerFiles
{
    private readonly Dictionary<ModelPrecision, string> _files;

    private TowerFiles(string tower, string folder, Dictionary<ModelPrecision, string> files)
    {
        Tower = tower;
        Folder = folder;
        _files = files;
    }

    /// <summary>The tower's base name: <c>vision_model</c> or <c>text_model</c>.</summary>
    public string Tower { get; }

    /// <summary>Where the tower's files are: the bundle's <c>onnx/</c> folder, or the bundle itself for flat layouts.</summary>
    public string Folder { get; }

    /// <summary>The precisions this tower is available in.</summary>
    public IReadOnlyCollection<ModelPrecision> Available => _files.Keys;

    /// <summary>The file name a precision has in the Hugging Face exports, e.g. <c>vision_model_quantized.onnx</c>.</summary>
    public static string FileName(string tower, ModelPrecision precision) => precision switch
    {
        ModelPrecision.Fp32 => tower + ".onnx",
        ModelPrecision.Int8 => tower + "_quantized.onnx",
        ModelPrecision.Fp16 => tower + "_fp16.onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "a file has a concrete precision"),
    };

    public bool Has(ModelPrecision precision) => _files.ContainsKey(precision);

    /// <summary>The file of <paramref name="precision"/>; a precision the bundle lacks is an error naming the file expected.</summary>
    public string PathOf(ModelPrecision precision) =>
        _files.TryGetValue(precision, out var path)
            ? path
            : throw new ModelBundleException(
                Path.Combine(Folder, FileName(Tower, precision)),
                $"ONNX model not found: the bundle has no {ModelBundle.Name(precision)} {Tower} " +
                "(make one with src/Clip.Inference/Bundles/make_precision_variants.py, or choose another precision)");

    /// <summary>
    /// Finds a tower's files in <c>onnx/</c>, else in the bundle folder itself; the float32 file must be there, the
    /// variants may be.
    /// </summary>
    internal static TowerFiles Find(string directory, string tower)
    {
        var nested = Path.Combine(directory, "onnx");
        var folder = File.Exists(Path.Combine(nested, FileName(tower, ModelPrecision.Fp32))) || !File.Exists(Path.Combine(directory, FileName(tower, ModelPrecision.Fp32)))
            ? nested
            : directory;
        var files = new Dictionary<ModelPrecision, string>();
        foreach (var precision in (ModelPrecision[])[ModelPrecision.Fp32, ModelPrecision.Int8, ModelPrecision.Fp16])
        {
            var path = Path.Combine(folder, FileName(tower, precision));
            if (File.Exists(path))
            {
                files[precision] = path;
            }
        }

        return files.ContainsKey(ModelPrecision.Fp32)
            ? new TowerFiles(tower, folder, files)
            : throw new ModelBundleException(Path.Combine(nested, FileName(tower, ModelPrecision.Fp32)), "ONNX model not found");
    }
}
