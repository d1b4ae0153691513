using System.Globalization;
using System.Text.Json;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Bundles;

/// <summary>
/// A CLIP model on disk, in the layout of the common Hugging Face ONNX exports:
/// <c>onnx/vision_model.onnx</c>, <c>onnx/text_model.onnx</c>, <c>preprocessor_config.json</c>,
/// <c>config.json</c> and the tokenizer files.
/// </summary>
public sealed record ModelBundle(
    string DirectoryPath,
    string ModelId,
    float LogitScale,
    PreprocessorConfig Preprocessor,
    string VisionModelPath,
    string TextModelPath,
    TokenizerFiles Tokenizer)
{
    private readonly Lazy<string> _fingerprint = new(() => ComputeFingerprint(VisionModelPath, TextModelPath));

    /// <summary>
    /// SHA-256 of both ONNX files (first 16 hex digits): two exports that share a model id in their
    /// config but differ in weights never share cached class matrices or results.
    /// </summary>
    public string Fingerprint => _fingerprint.Value;

    /// <summary>What results and caches record as the model: the id with the weights' fingerprint.</summary>
    public string VersionedModelId => $"{ModelId}@{Fingerprint}";

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
            FindOnnx(directory, "vision_model.onnx"),
            FindOnnx(directory, "text_model.onnx"),
            FindTokenizer(directory));
    }

    /// <summary>Reads the bundle's BPE vocabulary from whichever tokenizer files it has.</summary>
    public ClipVocabulary LoadVocabulary() => Tokenizer switch
    {
        TokenizerFiles.OpenAiBpe openAi => ClipVocabulary.LoadOpenAiBpe(openAi.GzipPath),
        TokenizerFiles.HuggingFace hf => ClipVocabulary.LoadHuggingFace(hf.VocabJsonPath, hf.MergesPath),
        _ => throw new ModelBundleException(DirectoryPath, "unsupported tokenizer files"),
    };

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

    private static string FindOnnx(string directory, string fileName)
    {
        var nested = System.IO.Path.Combine(directory, "onnx", fileName);
        if (File.Exists(nested))
        {
            return nested;
        }

        var flat = System.IO.Path.Combine(directory, fileName);
        return File.Exists(flat) ? flat : throw new ModelBundleException(nested, "ONNX model not found");
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
