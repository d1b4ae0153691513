using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The model side of the pipeline: one loaded CLIP model, the taxonomy's classifier (zero-shot, or mixed with a
/// promoted trained head, swapped in whole while the worker runs) and its decision policy. Encoding is
/// single-threaded by design (one session per accelerator, fed whole batches).
/// </summary>
internal sealed class LabelingEngine
{
    private readonly LabelDecider _decider;
    private volatile ZeroShotClassifier _classifier;

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

    /// <summary>The classifier now in use; a batch takes it once, so a swap lands between batches.</summary>
    public ZeroShotClassifier Classifier => _classifier;

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

    /// <summary>
    /// Replaces the classifier: the zero-shot class matrix mixed with <paramref name="head"/> at weight
    /// <paramref name="alpha"/>, or pure zero-shot when <paramref name="head"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">The head does not fit this model and taxonomy's class matrix.</exception>
    public void UseHead(ClassifierHead? head, float alpha)
    {
        var current = _classifier;
        _classifier = new ZeroShotClassifier(current.Classes, current.LogitScale, head, alpha);
    }

    /// <summary>Embeds <paramref name="count"/> preprocessed images from <paramref name="pixels"/>.</summary>
    public EmbeddingMatrix Encode(ReadOnlyMemory<float> pixels, int count) => Model.ImageEncoder.Encode(pixels, count);

    /// <summary>Classifies one embedded image with <paramref name="classifier"/> and turns the decision into a result row.</summary>
    public LabelledImage Label(ZeroShotClassifier classifier, PreparedImage image, ReadOnlySpan<float> embedding, double encodeMs)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(image);
        var decision = _decider.Decide(classifier.Classify(embedding));
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
