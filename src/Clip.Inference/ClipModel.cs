using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Tokenization;
using Microsoft.Extensions.Logging;

namespace Clip.Inference;

/// <summary>
/// One loaded CLIP model: its bundle, tokenizer, preprocessor and both encoders, ready to embed
/// text and images. Thread-safe; create once per model and device and share it.
/// </summary>
public sealed class ClipModel : IDisposable
{
    private ClipModel(ModelBundle bundle, ClipTokenizer tokenizer, ImagePreprocessor preprocessor, ClipImageEncoder images, ClipTextEncoder texts)
    {
        Bundle = bundle;
        Tokenizer = tokenizer;
        Preprocessor = preprocessor;
        ImageEncoder = images;
        TextEncoder = texts;
    }

    public ModelBundle Bundle { get; }

    public ClipTokenizer Tokenizer { get; }

    public ImagePreprocessor Preprocessor { get; }

    public ClipImageEncoder ImageEncoder { get; }

    public ClipTextEncoder TextEncoder { get; }

    /// <summary>The identifier results record as the model that produced them.</summary>
    public string ModelId => Bundle.VersionedModelId;

    /// <summary>Loads the bundle named by <paramref name="options"/> and checks both graphs against it.</summary>
    public static ClipModel Load(InferenceOptions options, ImageLimits limits, ILoggerFactory loggerFactory)
        => Load(options, limits, loggerFactory, padPromptsToContextLength: false);

    /// <summary>
    /// With <paramref name="padPromptsToContextLength"/>, the text tower is fed prompts padded to its context length even
    /// when it takes shorter ones: the reference that padding to the longest is checked and measured against.
    /// </summary>
    internal static ClipModel Load(InferenceOptions options, ImageLimits limits, ILoggerFactory loggerFactory, bool padPromptsToContextLength)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        return Load(options, limits, loggerFactory, new OnnxSessionFactory(options, loggerFactory.CreateLogger<OnnxSessionFactory>()), padPromptsToContextLength);
    }

    /// <summary>Loads with the given sessions: tests hand in one whose CUDA provider is stubbed.</summary>
    internal static ClipModel Load(InferenceOptions options, ImageLimits limits, ILoggerFactory loggerFactory, OnnxSessionFactory sessions, bool padPromptsToContextLength)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(sessions);
        var available = ModelBundle.Load(options.ModelPath);
        var device = sessions.ResolveDevice();
        var bundle = PrecisionChoice.Apply(available, options.Precision, device);
        Log.PrecisionChosen(
            loggerFactory.CreateLogger<ClipModel>(),
            ModelBundle.Name(options.Precision),
            device.ToString(),
            ModelBundle.Name(bundle.VisionPrecision),
            Path.GetFileName(bundle.VisionModelPath),
            ModelBundle.Name(bundle.TextPrecision),
            Path.GetFileName(bundle.TextModelPath));
        var vocabulary = bundle.LoadVocabulary();
        var images = new ClipImageEncoder(bundle, sessions);
        ClipTextEncoder? texts = null;
        try
        {
            texts = new ClipTextEncoder(bundle, sessions, padPromptsToContextLength);
            if (images.Dimension > 0 && texts.Dimension > 0 && images.Dimension != texts.Dimension)
            {
                throw new ModelBundleException(
                    bundle.DirectoryPath,
                    string.Create(CultureInfo.InvariantCulture, $"image embeddings are {images.Dimension} wide but text embeddings {texts.Dimension}"));
            }

            var model = new ClipModel(bundle, new ClipTokenizer(vocabulary), new ImagePreprocessor(bundle.Preprocessor, limits), images, texts);
            var logger = loggerFactory.CreateLogger<ClipModel>();
            Log.ModelLoaded(logger, bundle.ModelId, bundle.DirectoryPath, images.Device.ToString(), images.Dimension);
            if (model.Preprocessor.JpegBackend == JpegBackend.LibjpegTurbo)
            {
                Log.JpegDecodedByLibjpegTurbo(logger);
            }
            else
            {
                Log.JpegDecodedByImageSharp(logger);
            }
            return model;
        }
        catch
        {
            images.Dispose();
            texts?.Dispose();
            throw;
        }
    }

    /// <summary>Token ids of a text as the text tower takes them: truncated to its context length, as CLIP does.</summary>
    public IReadOnlyList<int> TokenizeText(string text) => Tokenizer.Encode(text, TextEncoder.ContextLength).Ids;

    /// <summary>Tokenizes and embeds texts in one batch, padded to the longest when the text tower allows.</summary>
    public EmbeddingMatrix EmbedTexts(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return TextEncoder.Encode([.. texts.Select(TokenizeText)]);
    }

    /// <summary>Decodes, preprocesses and embeds encoded images (JPEG, PNG, ...); bad input throws <see cref="ImageRejectedException"/>.</summary>
    public EmbeddingMatrix EmbedImages(IReadOnlyList<byte[]> encodedImages)
    {
        ArgumentNullException.ThrowIfNull(encodedImages);
        ArgumentOutOfRangeException.ThrowIfZero(encodedImages.Count);
        var batch = new ImageBatch(this, encodedImages.Count);
        foreach (var encoded in encodedImages)
        {
            batch.Add(encoded);
        }

        return batch.Encode();
    }

    public void Dispose()
    {
        ImageEncoder.Dispose();
        TextEncoder.Dispose();
    }
}
