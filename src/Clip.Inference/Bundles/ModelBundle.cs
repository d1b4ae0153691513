using System.Globalization;
using System.Text.Json;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Bundles;

/// <summary>
/// A CLIP model on disk, in the layout of the common Hugging Face ONNX exports:
/// <c>onnx/vision_model.onnx</c>, <c>onnx/text_model.onnx</c>, <c>preprocessor_config.json</c>,
/// <c>config.json</c> and the tokenizer files, with any precision variants of the towers beside them
/// (<c>onnx/vision_model_quantized.onnx</c>, <c>onnx/vision_model_fp16.onnx</c>, ...).
/// </summary>
/// <remarks>
/// A loaded bundle names float32 towers; <see cref="WithPrecisions"/> names the variants a model should run instead.
/// </remarks>
public sealed record ModelBundle(
    string DirectoryPath,
    string ModelId,
    float LogitScale,
    PreprocessorConfig Preprocessor,
    TowerFiles VisionFiles,
    TowerFiles TextFiles,
    TokenizerFiles Tokenizer)
{
    // Keyed by the files it hashed, so that a copy naming other files never reports the original's fingerprint.
    private FingerprintOfFiles? _fingerprint;

    /// <summary>The precision of the image tower this bundle names.</summary>
    public ModelPrecision VisionPrecision { get; private init; } = ModelPrecision.Fp32;

    /// <summary>The precision of the text tower this bundle names.</summary>
    public ModelPrecision TextPrecision { get; private init; } = ModelPrecision.Fp32;

    /// <summary>The image tower's ONNX file in <see cref="VisionPrecision"/>.</summary>
    public string VisionModelPath => VisionFiles.PathOf(VisionPrecision);

    /// <summary>The text tower's ONNX file in <see cref="TextPrecision"/>.</summary>
    public string TextModelPath => TextFiles.PathOf(TextPrecision);

    /// <summary>
    /// SHA-256 of both ONNX files that run (first 16 hex digits), so that two exports that share a model id in their config
    /// but differ in weights never share cached class matrices or results; with a variant in either tower, the two
    /// precisions follow (<c>+vision-int8+text-fp32</c>), so that a reader of the results sees them too. Float32 towers add
    /// nothing, so results stored before variants existed keep their model id.
    /// </summary>
    public string Fingerprint
    {
        get
        {
            var (vision, text) = (VisionModelPath, TextModelPath);
            var cached = _fingerprint;
            if (cached is null || cached.VisionPath != vision || cached.TextPath != text)
            {
                cached = new FingerprintOfFiles(vision, text, ComputeFingerprint(vision, text));
                _fingerprint = cached;
            }

            return VisionPrecision == ModelPrecision.Fp32 && TextPrecision == ModelPrecision.Fp32
                ? cached.Value
                : $"{cached.Value}+vision-{Name(VisionPrecision)}+text-{Name(TextPrecision)}";
        }
    }

    /// <summary>What results and caches record as the model: the id with the weights' fingerprint.</summary>
    public string VersionedModelId => $"{ModelId}@{Fingerprint}";

    /// <summary>
    /// The same bundle naming the given variant of each tower; one the bundle lacks throws
    /// <see cref="ModelBundleException"/> naming the file expected.
    /// </summary>
    public ModelBundle WithPrecisions(ModelPrecision vision, ModelPrecision text)
    {
        VisionFiles.PathOf(vision);
        TextFiles.PathOf(text);
        return new ModelBundle(DirectoryPath, ModelId, LogitScale, Preprocessor, VisionFiles, TextFiles, Tokenizer)
        {
            VisionPrecision = vision,
            TextPrecision = text,
        };
    }

    /// <summary>The lower-case name settings, file names and model ids use: <c>fp32</c>, <c>int8</c>, <c>fp16</c>, <c>auto</c>.</summary>
    public static string Name(ModelPrecision precision) => precision.ToString().ToLowerInvariant();

    /// <summary>OpenAI's released CLIP weights learn a logit scale that saturates at 100.</summary>
    public const float DefaultLogitScale = 100f;

    public const string ConfigFileName = "config.json";
    public const string PreprocessorConfigFileName = "preprocessor_config.json";
    public const string OpenAiVocabularyFileName = "bpe_simple_vocab_16e6.txt.gz";

    /// <summary>Reads and checks a bundle folder; every problem names the file at fault.</summary>
    public static ModelBundle Load(string directoryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directoryPath);
        var directory = System.IO.Path.GetFullPath(directoryPath);
        if (!Directory.Exists(directory))
        {
            throw new ModelBundleException(directory, "model bundle folder not found");
        }

        var config = ReadJson(System.IO.Path.Combine(directory, ConfigFileName));
        var preprocessor = PreprocessorConfigReader.Read(System.IO.Path.Combine(directory, PreprocessorConfigFileName));
        return new ModelBundle(
            directory,
            ReadModelId(config, directory),
            ReadLogitScale(config, System.IO.Path.Combine(directory, ConfigFileName)),
            preprocessor,
            TowerFiles.Find(directory, "vision_model"),
            TowerFiles.Find(directory, "text_model"),
            FindTokenizer(directory));
    }

    /// <summary>Reads the bundle's BPE vocabulary from whichever tokenizer files it has.</summary>
    public ClipVocabulary LoadVocabulary() => Tokenizer switch
    {
        TokenizerFiles.OpenAiBpe openAi => ClipVocabulary.LoadOpenAiBpe(openAi.GzipPath),
        TokenizerFiles.HuggingFace hf => ClipVocabulary.LoadHuggingFace(hf.VocabJsonPath, hf.MergesPath),
        _ => throw new ModelBundleException(DirectoryPath, "unsupported tokenizer files"),
    };

    private sealed record FingerprintOfFiles(string VisionPath, string TextPath, string Value);

    private static string ComputeFingerprint(params string[] paths)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        foreach (var path in paths)
        {
            using var stream = File.OpenRead(path);
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    internal static JsonElement ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            throw new ModelBundleException(path, "file not found");
        }

        try
        {
            using var stream = File.OpenRead(path);
            using var document = JsonDocument.Parse(stream);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelBundleException(path, "expected a JSON object");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ModelBundleException(path, $"not valid JSON ({e.Message})", e);
        }
    }

    private static string ReadModelId(JsonElement config, string directory)
    {
        foreach (var key in new[] { "model_id", "_name_or_path" })
        {
            if (config.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(value.GetString()))
            {
                return value.GetString()!;
            }
        }

        return System.IO.Path.GetFileName(directory.TrimEnd(System.IO.Path.DirectorySeparatorChar));
    }

    private static float ReadLogitScale(JsonElement config, string path)
    {
        if (!config.TryGetProperty("logit_scale", out var value))
        {
            return DefaultLogitScale;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetSingle(out var scale) || !float.IsFinite(scale) || scale <= 0)
        {
            throw new ModelBundleException(path, string.Create(CultureInfo.InvariantCulture, $"logit_scale must be a positive number, found {value}"));
        }

        return scale;
    }

    private static TokenizerFiles FindTokenizer(string directory)
    {
        var vocab = System.IO.Path.Combine(directory, "vocab.json");
        var merges = System.IO.Path.Combine(directory, "merges.txt");
        if (File.Exists(vocab) && File.Exists(merges))
        {
            return new TokenizerFiles.HuggingFace(vocab, merges);
        }

        var openAi = System.IO.Path.Combine(directory, OpenAiVocabularyFileName);
        if (File.Exists(openAi))
        {
            return new TokenizerFiles.OpenAiBpe(openAi);
        }

        throw new ModelBundleException(
            directory,
            $"no tokenizer found: expected vocab.json and merges.txt, or {OpenAiVocabularyFileName}");
    }
}
