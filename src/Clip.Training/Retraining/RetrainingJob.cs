using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Training.Promotion;
using Microsoft.Extensions.Logging;

namespace Clip.Training.Retraining;

/// <summary>
/// One retraining run for a (model, taxonomy) pair: read the human-verified training set, split it (stratified,
/// seeded), train a head from the zero-shot class matrix, choose the zero-shot/trained mix α on the validation split,
/// compare zero-shot, the promoted head and the candidate on the same held-out images (a test split, or every image
/// once by k-fold cross-validation when there are few), store the candidate with its metrics and promote it only
/// when the interval on its gain over the better of the other two clears the margin.
/// </summary>
public sealed class RetrainingJob(
    ClipModel model,
    ClassMatrixCache cache,
    ILabelStore store,
    RetrainingOptions options,
    HeadTrainingOptions trainer,
    TimeProvider time,
    ILogger<RetrainingJob> logger)
{
    // Stored for people reading SQL: "+2.5" and "−7.5" as written, not \u002B escapes.
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <exception cref="TorchUnavailableException">libtorch does not load on this machine.</exception>
    public async Task<RetrainingReport> RunAsync(CancellationToken ct = default)
    {
        TorchRuntime.EnsureAvailable();
        var taxonomy = StandardTaxonomies.Load(options.Taxonomy, model.Tokenizer);
        var classes = (await LabelingEngine.CreateAsync(model, taxonomy, cache, store, ct)).State.Classifier.Classes;
        var logitScale = model.Bundle.LogitScale;
        var (examples, unknown) = await ReadTrainingSetAsync(classes, taxonomy.Version, ct);
        Log.TrainingSetRead(logger, examples.Count, taxonomy.Name, model.ModelId, unknown.Count);

        var perClass = new int[classes.Count];
        foreach (var example in examples)
        {
            perClass[example.ClassIndex]++;
        }

        var tooFew = Enumerable.Range(0, classes.Count)
            .Where(c => perClass[c] is > 0 and < StratifiedSplit.MinimumPerClass)
            .Select(c => classes.ClassIds[c])
            .ToList();
        var labels = examples.Select(e => e.ClassIndex).ToList();
        var crossValidate = examples.Count < options.CrossValidationBelow;
        var split = examples.Count == 0 ? null : StratifiedSplit.Split(labels, options.ValidationFraction, options.TestFraction, options.Seed);
        if (split is null || split.Validation.Count == 0 || split.Test.Count == 0)
        {
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"{examples.Count} verified examples; every class needs at least {StratifiedSplit.MinimumPerClass} for a head to be trained and measured");
            Log.NotEnoughData(logger, reason);
            return new RetrainingReport(
                RetrainingOutcome.NotEnoughData, reason, model.ModelId, taxonomy.Version, null, null, 0, examples.Count, 0, 0, 0,
                null, null, null, [], tooFew, unknown);
        }

        var (previous, promoted) = await LoadPromotedAsync(classes, logitScale, ct);
        var measured = crossValidate
            ? CrossValidate(examples, labels, classes, logitScale, promoted)
            : HoldOut(examples, split, classes, logitScale, promoted);
        var final = measured.Final;
        Log.Trained(logger, measured.TrainingExamples, final.Trained.Epochs, final.Trained.BestValidationLoss, final.Choice.Alpha);

        var measuredLabels = measured.Examples.Select(i => labels[i]).ToList();
        var zeroShotScore = HeadEvaluation.FromOutcomes(measuredLabels, measured.ZeroShot, classes.Count);
        var currentScore = measured.Current is null ? null : HeadEvaluation.FromOutcomes(measuredLabels, measured.Current, classes.Count);
        var candidateScore = HeadEvaluation.FromOutcomes(measuredLabels, measured.Candidate, classes.Count);

        // The candidate must beat the better of what it would replace, on the same images.
        var (reference, referenceOutcomes) = currentScore is not null && currentScore.Accuracy > zeroShotScore.Accuracy
            ? (previous!, measured.Current!)
            : ("zero-shot", measured.ZeroShot);
        var evidence = PairedComparison.Compare(measured.Candidate, referenceOutcomes, options.Confidence);
        var decision = PromotionDecision.Decide(evidence, reference, options.PromotionMargin, measured.Method);
        var promote = decision.Promote;
        var now = time.GetUtcNow();
        var head = new ClassifierHead(
            Version(now, final.Trained), model.ModelId, classes.ClassIds, final.Trained.Weights, final.Trained.Bias, classes.Dimension);
        var changes = Enumerable.Range(0, classes.Count)
            .Select(c => new ClassChange(classes.ClassIds[c], final.TrainedPerClass[c], zeroShotScore.PerClassRecall[c], currentScore?.PerClassRecall[c], candidateScore.PerClassRecall[c]))
            .ToList();
        var outcome = promote ? RetrainingOutcome.Promoted : RetrainingOutcome.Kept;
        var report = new RetrainingReport(
            outcome, decision.Reason, model.ModelId, taxonomy.Version, head.Version, previous, final.Choice.Alpha, examples.Count,
            measured.TrainingExamples, measured.ValidationExamples, measured.Examples.Count, Score(zeroShotScore), currentScore is null ? null : Score(currentScore), Score(candidateScore),
            changes, tooFew, unknown)
        {
            Decision = decision,
        };

        await store.SaveHeadAsync(
            new StoredHead(
                head.Version, model.ModelId, taxonomy.Version, ClassifierHeadCodec.Encode(head),
                JsonSerializer.Serialize(new { report.ZeroShot, report.Current, report.Candidate, report.Classes, alpha_scores = final.Choice.Scores, promoted = promote, margin = options.PromotionMargin, decision = DecisionJson(decision) }, Json),
                final.Choice.Alpha,
                JsonSerializer.Serialize(new { options.Seed, options.ValidationFraction, options.TestFraction, options.Confidence, options.CrossValidationBelow, options.Folds, method = measured.Method, trainer, final.Trained.Epochs, final.Trained.BestValidationLoss, report.Examples, report.TrainingExamples, report.ValidationExamples, report.TestExamples, per_class = changes.ToDictionary(c => c.ClassId, c => c.TrainingExamples), report.ClassesWithoutEnoughData, report.UnknownLabels }, Json),
                now),
            ct);
        if (promote)
        {
            await store.PromoteHeadAsync(head.Version, ct);
        }

        Log.Decided(logger, head.Version, outcome.ToString(), decision.Reason);
        return report;
    }

    /// <summary>What is stored with a head about why it was or was not promoted; <c>clip heads</c> prints its reason.</summary>
    private static object DecisionJson(PromotionDecision decision) => new
    {
        decision.Promote,
        decision.Reason,
        decision.Reference,
        decision.Method,
        decision.Margin,
        decision.Evidence.Gain,
        decision.Evidence.Lower,
        decision.Evidence.Upper,
        decision.Evidence.Confidence,
        HeldOut = decision.Evidence.Examples,
        decision.Evidence.CandidateOnlyRight,
        decision.Evidence.ReferenceOnlyRight,
    };

    /// <summary>One head trained on the training split, measured on the test split the split held out.</summary>
    private Measurement HoldOut(List<LabelledVector> examples, SplitResult split, ClassMatrix classes, float logitScale, MixedHead? promoted)
    {
        var training = split.Training.Select(i => examples[i]).ToList();
        var validation = split.Validation.Select(i => examples[i]).ToList();
        var test = split.Test.Select(i => examples[i]).ToList();
        var candidate = TrainCandidate(classes, logitScale, training, validation);
        return new Measurement(
            "held-out split",
            [.. split.Test],
            ZeroShotOutcomes(classes, logitScale, test),
            promoted is null ? null : HeadEvaluation.Correct(promoted.Weights, promoted.Bias, classes.Count, classes.Dimension, test),
            HeadEvaluation.Correct(candidate.Mixed.Weights, candidate.Mixed.Bias, classes.Count, classes.Dimension, test),
            candidate,
            training.Count,
            validation.Count);
    }

    /// <summary>
    /// Stratified k-fold cross-validation: per fold, a head trained (with its own validation split) on the other folds
    /// and measured on this one, so every example is held out once; then the head that is kept, trained on all of them.
    /// </summary>
    private Measurement CrossValidate(List<LabelledVector> examples, List<int> labels, ClassMatrix classes, float logitScale, MixedHead? promoted)
    {
        var folds = StratifiedSplit.Folds(labels, options.Folds, options.Seed);
        var measured = new List<int>();
        var zeroShot = new List<bool>();
        var current = promoted is null ? null : new List<bool>();
        var candidate = new List<bool>();
        for (var fold = 0; fold < options.Folds; fold++)
        {
            var held = Enumerable.Range(0, examples.Count).Where(i => folds[i] == fold).ToList();
            var rest = Enumerable.Range(0, examples.Count).Where(i => folds[i] != fold).ToList();
            if (held.Count == 0)
            {
                continue;
            }

            var inner = StratifiedSplit.Split([.. rest.Select(i => labels[i])], options.ValidationFraction, testFraction: 0, options.Seed + fold + 1);
            var trained = TrainCandidate(
                classes, logitScale, [.. inner.Training.Select(i => examples[rest[i]])], [.. inner.Validation.Select(i => examples[rest[i]])]);
            var test = held.Select(i => examples[i]).ToList();
            measured.AddRange(held);
            zeroShot.AddRange(ZeroShotOutcomes(classes, logitScale, test));
            current?.AddRange(HeadEvaluation.Correct(promoted!.Weights, promoted.Bias, classes.Count, classes.Dimension, test));
            candidate.AddRange(HeadEvaluation.Correct(trained.Mixed.Weights, trained.Mixed.Bias, classes.Count, classes.Dimension, test));
        }

        var all = StratifiedSplit.Split(labels, options.ValidationFraction, testFraction: 0, options.Seed);
        var training = all.Training.Select(i => examples[i]).ToList();
        var validation = all.Validation.Select(i => examples[i]).ToList();
        return new Measurement(
            string.Create(CultureInfo.InvariantCulture, $"{options.Folds}-fold cross-validation"),
            measured,
            [.. zeroShot],
            current is null ? null : [.. current],
            [.. candidate],
            TrainCandidate(classes, logitScale, training, validation),
            training.Count,
            validation.Count);
    }

    /// <summary>Trains a head, keeps zero-shot rows for classes without data, and mixes it with zero-shot at the α the validation split prefers.</summary>
    private Candidate TrainCandidate(ClassMatrix classes, float logitScale, List<LabelledVector> training, List<LabelledVector> validation)
    {
        var trained = HeadTrainer.Train(training, validation, classes.Values, logitScale, classes.Count, classes.Dimension, trainer);
        var perClass = new int[classes.Count];
        foreach (var example in training)
        {
            perClass[example.ClassIndex]++;
        }

        KeepZeroShotRowsWithoutData(trained, classes, logitScale, perClass);
        var choice = WeightSpaceEnsemble.ChooseAlpha(classes.Values, logitScale, trained, classes.Count, classes.Dimension, validation);
        return new Candidate(trained, perClass, choice, WeightSpaceEnsemble.Mix(classes.Values, logitScale, trained, choice.Alpha));
    }

    private static bool[] ZeroShotOutcomes(ClassMatrix classes, float logitScale, List<LabelledVector> test)
    {
        var weights = new float[classes.Values.Length];
        TensorPrimitives.Multiply(classes.Values, logitScale, weights);
        return HeadEvaluation.Correct(weights, new float[classes.Count], classes.Count, classes.Dimension, test);
    }

    private async Task<(List<LabelledVector> Examples, List<string> Unknown)> ReadTrainingSetAsync(ClassMatrix classes, string taxonomyVersion, CancellationToken ct)
    {
        var index = classes.ClassIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        var examples = new List<LabelledVector>();
        var unknown = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in store.ReadTrainingSetAsync(model.ModelId, taxonomyVersion, options.ReadBatchSize, ct))
        {
            if (row.Embedding.Length != classes.Dimension || !index.TryGetValue(row.LabelId, out var classIndex))
            {
                unknown.Add(row.LabelId);
                continue;
            }

            if (EmbeddingMatrix.TryNormaliseInPlace(row.Embedding))
            {
                examples.Add(new LabelledVector(row.Embedding, classIndex));
                if (examples.Count % 100_000 == 0)
                {
                    Log.Reading(logger, examples.Count);
                }
            }
        }

        return (examples, [.. unknown]);
    }

    /// <summary>A class nobody verified keeps its zero-shot row: the trained row is reset to it and its bias to zero.</summary>
    private static void KeepZeroShotRowsWithoutData(TrainedHead trained, ClassMatrix classes, float logitScale, int[] trainedPerClass)
    {
        var dimension = classes.Dimension;
        for (var c = 0; c < classes.Count; c++)
        {
            if (trainedPerClass[c] == 0)
            {
                TensorPrimitives.Multiply(classes.Values.Slice(c * dimension, dimension), logitScale, trained.Weights.AsSpan(c * dimension, dimension));
                trained.Bias[c] = 0f;
            }
        }
    }

    /// <summary>The promoted head, mixed at its α, when there is one that fits this model's classes.</summary>
    private async Task<(string? Version, MixedHead? Head)> LoadPromotedAsync(ClassMatrix classes, float logitScale, CancellationToken ct)
    {
        var promoted = await store.GetPromotedHeadAsync(model.ModelId, classes.TaxonomyVersion, ct);
        if (promoted is null || await store.GetHeadAsync(promoted.Version, ct) is not { } stored)
        {
            return (null, null);
        }

        try
        {
            var head = ClassifierHeadCodec.Decode(stored.Weights, stored.Version);
            if (!head.ClassIds.SequenceEqual(classes.ClassIds, StringComparer.Ordinal) || head.Dimension != classes.Dimension)
            {
                Log.PromotedHeadUnfit(logger, stored.Version);
                return (stored.Version, null);
            }

            return (stored.Version, WeightSpaceEnsemble.Mix(classes.Values, logitScale, new TrainedHead(head.Weights.ToArray(), head.Bias.ToArray(), 0, double.NaN), stored.Alpha));
        }
        catch (InvalidDataException)
        {
            Log.PromotedHeadUnfit(logger, stored.Version);
            return (stored.Version, null);
        }
    }

    private static SplitScore Score(HeadEvaluation evaluation) => new(evaluation.Accuracy, evaluation.MeanPerClassRecall);

    /// <summary>
    /// <c>head-YYYYMMDDTHHMMSSZ-</c>, the first 8 hex digits of the weights' hash, and 4 random ones: sortable, says
    /// which weights it holds, and unique even for two runs over the same data within one second.
    /// </summary>
    private static string Version(DateTimeOffset now, TrainedHead trained)
    {
        var bytes = new byte[(trained.Weights.Length + trained.Bias.Length) * sizeof(float)];
        Float32LittleEndian.Write(trained.Weights, bytes.AsSpan(0, trained.Weights.Length * sizeof(float)));
        Float32LittleEndian.Write(trained.Bias, bytes.AsSpan(trained.Weights.Length * sizeof(float)));
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..8];
        return string.Create(CultureInfo.InvariantCulture, $"head-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}-{hash}-{RandomNumberGenerator.GetHexString(4, lowercase: true)}");
    }

    /// <summary>A head trained for one fold or for good: the raw head, its examples per class, its α and the mix.</summary>
    private sealed record Candidate(TrainedHead Trained, int[] TrainedPerClass, AlphaChoice Choice, MixedHead Mixed);

    /// <summary>Paired held-out outcomes (per measured example, in <see cref="Examples"/> order) and the head that is kept.</summary>
    private sealed record Measurement(
        string Method, List<int> Examples, bool[] ZeroShot, bool[]? Current, bool[] Candidate, Candidate Final, int TrainingExamples, int ValidationExamples);
}
