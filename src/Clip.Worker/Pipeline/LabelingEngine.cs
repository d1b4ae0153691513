using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The model side of the pipeline: one loaded CLIP model, the taxonomy's zero-shot classifier and its decision
/// policy. Encoding is single-threaded by design (one session per accelerator, fed whole batches).
/// </summary>
internal sealed class LabelingEngine
{
    private readonly ZeroShotClassifier _classifier;
    private readonly LabelDecider _decider;

    private LabelingEngine(ClipModel model, Taxonomy taxonomy, ZeroShotClassifier classifier)
    {
        Model = model;
        Taxonomy = taxonomy;
        _classifier = classifier;
        _decider = new LabelDecider(taxonomy);
    }

    public ClipModel Model { get; }

    public Taxonomy Taxonomy { get; }

    public string ModelId => Model.ModelId;

    public string TaxonomyVersion => Taxonomy.Version;

    public string? HeadVersion => _classifier.HeadVersion;

    /// <summary>Floats per preprocessed image.</summary>
    public int ImageLength => Model.Preprocessor.Config.TensorLength;

    /// <summary>Loads the taxonomy and its class matrix (from the cache, or embedded once and cached).</summary>
    public static LabelingEngine Create(ClipModel model, string taxonomyNameOrPath, ClassMatrixCache cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(cache);
        var taxonomy = StandardTaxonomies.Load(taxonomyNameOrPath, model.Tokenizer);
        var classes = cache.GetOrBuild(model.ModelId, taxonomy, () => ZeroShotClassifierBuilder.Build(model, taxonomy));
        return new LabelingEngine(model, taxonomy, ZeroShotClassifier.Create(model, classes));
    }

    /// <summary>Embeds <paramref name="count"/> preprocessed images from <paramref name="pixels"/>.</summary>
    public EmbeddingMatrix Encode(ReadOnlyMemory<float> pixels, int count) => Model.ImageEncoder.Encode(pixels, count);

    /// <summary>Classifies one embedded image and turns the decision into a result row.</summary>
    public LabelledImage Label(PreparedImage image, ReadOnlySpan<float> embedding, double encodeMs)
    {
        ArgumentNullException.ThrowIfNull(image);
        var decision = _decider.Decide(_classifier.Classify(embedding));
        var labels = decision.Labels.Select(l => new AssignedLabel(l.ClassId, l.DisplayName, l.Score, l.Cosine, l.Probability, l.Rank)).ToList();
        return new LabelledImage(
            image.Job.SourceUri,
            image.EtagOrHash,
            image.SizeBytes,
            image.Size.Width,
            image.Size.Height,
            ModelId,
            decision.TaxonomyVersion,
            decision.HeadVersion,
            labels,
            decision.Abstained,
            decision.AbstainDescription,
            new StageTimings(image.DecodeMs, encodeMs, image.FetchMs + image.DecodeMs + encodeMs))
        {
            Embedding = embedding.ToArray(),
        };
    }
}
