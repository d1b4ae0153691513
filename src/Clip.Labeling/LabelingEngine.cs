using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Persistence;

namespace Clip.Labeling;

/// <summary>
/// One loaded CLIP model and the labeling state it serves (the taxonomy, its classifier — zero-shot, or mixed with a
/// trained head — and its decision policy), for the worker and <c>clip label</c> alike. The state is immutable and
/// replaced whole when a head is promoted or the taxonomy changes; a batch takes it once, so a swap lands between
/// batches. Encoding is single-threaded by design (one session per accelerator, fed whole batches).
/// </summary>
public sealed class LabelingEngine
{
    private readonly ClassMatrixCache _cache;
    private readonly ISharedClassMatrixStore? _shared;
    private readonly Lock _swap = new();
    private volatile LabelingState _state;

    private LabelingEngine(ClipModel model, ClassMatrixCache cache, ISharedClassMatrixStore? shared, LabelingState state)
    {
        Model = model;
        _cache = cache;
        _shared = shared;
        _state = state;
    }

    public ClipModel Model { get; }

    /// <summary>What labels images now; read once per batch.</summary>
    public LabelingState State => _state;

    public string ModelId => Model.ModelId;

    public string TaxonomyVersion => _state.Taxonomy.Version;

    public string? HeadVersion => _state.Classifier.HeadVersion;

    /// <summary>Floats per preprocessed image.</summary>
    public int ImageLength => Model.Preprocessor.Config.TensorLength;

    /// <summary>
    /// Loads the taxonomy and labels with it, its class matrix read from the cache folder or <paramref name="shared"/>,
    /// or embedded once and stored in both.
    /// </summary>
    public static Task<LabelingEngine> CreateAsync(
        ClipModel model, string taxonomyNameOrPath, ClassMatrixCache cache, ISharedClassMatrixStore? shared = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return CreateAsync(model, StandardTaxonomies.Load(taxonomyNameOrPath, model.Tokenizer), cache, shared, cancellationToken);
    }

    /// <summary>Labels with <paramref name="taxonomy"/>, its class matrix read from the cache folder or <paramref name="shared"/>, or embedded once and stored in both.</summary>
    public static async Task<LabelingEngine> CreateAsync(
        ClipModel model, Taxonomy taxonomy, ClassMatrixCache cache, ISharedClassMatrixStore? shared = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(taxonomy);
        ArgumentNullException.ThrowIfNull(cache);
        var state = await ZeroShotStateAsync(model, cache, shared, taxonomy, cancellationToken).ConfigureAwait(false);
        return new LabelingEngine(model, cache, shared, state);
    }

    /// <summary>
    /// Replaces the classifier: the zero-shot class matrix mixed with <paramref name="head"/> at weight
    /// <paramref name="alpha"/>, or pure zero-shot when <paramref name="head"/> is null.
    /// </summary>
    /// <exception cref="ArgumentException">The head does not fit this model and taxonomy's class matrix.</exception>
    public void UseHead(ClassifierHead? head, float alpha)
    {
        lock (_swap)
        {
            var current = _state;
            _state = current with { Classifier = new ImageClassifier(current.Classifier.Classes, current.Classifier.LogitScale, head, alpha) };
        }
    }

    /// <summary>
    /// Switches to another taxonomy (its class matrix read or built first, as at creation), pure zero-shot: a head
    /// trained for the old version does not fit the new one; the head watcher finds one promoted for the new version.
    /// </summary>
    public async Task UseTaxonomyAsync(Taxonomy taxonomy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taxonomy);
        var state = await ZeroShotStateAsync(Model, _cache, _shared, taxonomy, cancellationToken).ConfigureAwait(false);
        lock (_swap)
        {
            _state = state;
        }
    }

    /// <summary>Embeds <paramref name="count"/> preprocessed images from <paramref name="pixels"/>.</summary>
    public EmbeddingMatrix Encode(ReadOnlyMemory<float> pixels, int count) => Model.ImageEncoder.Encode(pixels, count);

    /// <summary>Classifies one embedded image with <paramref name="state"/> and turns the decision into its result row.</summary>
    public LabelledImage Label(LabelingState state, LabelSource image, ReadOnlySpan<float> embedding, StageTimings timings)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(image);
        var decision = state.Decider.Decide(state.Classifier.Classify(embedding));
        var labels = decision.Labels.Select(l => new AssignedLabel(l.ClassId, l.DisplayName, l.Score, l.Cosine, l.Probability, l.Rank)).ToList();
        return new LabelledImage(
            image.SourceUri,
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
            timings)
        {
            Embedding = embedding.ToArray(),
        };
    }

    /// <summary>
    /// Puts the engine on the head <paramref name="choice"/> names: none, the one promoted for this model and
    /// taxonomy in <paramref name="store"/>, or a stored version, which must be trained for this model and taxonomy.
    /// </summary>
    /// <returns>The head version now in use, or null for zero-shot.</returns>
    /// <exception cref="UnknownHeadException">The named version is not stored.</exception>
    /// <exception cref="ArgumentException">The named head was trained for another model or taxonomy, or does not fit its classes.</exception>
    /// <exception cref="InvalidDataException">The stored head is damaged.</exception>
    public async Task<string?> UseHeadAsync(HeadChoice choice, ILabelStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(choice);
        ArgumentNullException.ThrowIfNull(store);
        var version = choice.Version;
        if (choice.Kind == HeadChoiceKind.ZeroShot)
        {
            UseHead(null, 0f);
            return null;
        }

        if (choice.Kind == HeadChoiceKind.Promoted)
        {
            version = (await store.GetPromotedHeadAsync(ModelId, TaxonomyVersion, cancellationToken).ConfigureAwait(false))?.Version;
            if (version is null)
            {
                UseHead(null, 0f);
                return null;
            }
        }

        var stored = await store.GetHeadAsync(version!, cancellationToken).ConfigureAwait(false) ?? throw new UnknownHeadException($"No head {version} is stored.");
        if (stored.ModelId != ModelId || stored.TaxonomyVersion != TaxonomyVersion)
        {
            throw new ArgumentException(
                $"Head {stored.Version} was trained for model {stored.ModelId}, taxonomy {stored.TaxonomyVersion}, not model {ModelId}, taxonomy {TaxonomyVersion}.",
                nameof(choice));
        }

        UseHead(ClassifierHeadCodec.Decode(stored.Weights, stored.Version), (float)stored.Alpha);
        return stored.Version;
    }

    private static async Task<LabelingState> ZeroShotStateAsync(
        ClipModel model, ClassMatrixCache cache, ISharedClassMatrixStore? shared, Taxonomy taxonomy, CancellationToken cancellationToken)
    {
        var (classes, origin) = await cache.GetOrBuildAsync(model.ModelId, taxonomy, () => ClassMatrixBuilder.Build(model, taxonomy), shared, cancellationToken)
            .ConfigureAwait(false);
        return new LabelingState(taxonomy, ImageClassifier.Create(model, classes), new LabelDecider(taxonomy), origin);
    }
}

/// <summary>
/// One consistent set of what labels an image: taxonomy, classifier over its classes, and its decision policy; and
/// where its class matrix came from.
/// </summary>
public sealed record LabelingState(Taxonomy Taxonomy, ImageClassifier Classifier, LabelDecider Decider, ClassMatrixOrigin ClassesFrom);
