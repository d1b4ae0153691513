using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Labeling;
using Clip.Persistence;
using Microsoft.Extensions.Logging;

namespace Clip.Training.Retraining;

/// <summary>
/// One retraining run for a (model, taxonomy) pair: read the human-verified training set, split it (stratified,
/// seeded), train a head from the zero-shot class matrix, choose the zero-shot/trained mix α on the validation split,
/// compare zero-shot, the promoted head and the candidate on the test split, store the candidate with its metrics and
/// promote it only when it beats the best by the margin.
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
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

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
        var split = examples.Count == 0 ? null : StratifiedSplit.Split([.. examples.Select(e => e.ClassIndex)], options.ValidationFraction, options.TestFraction, options.Seed);
        if (split is null || split.Validation.Count == 0 || split.Test.Count == 0)
        {
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"{examples.Count} verified examples; every class needs at least {StratifiedSplit.MinimumPerClass} for a head to be trained and measured");
            Log.NotEnoughData(logger, reason);
            return new RetrainingReport(
                RetrainingOutcome.NotEnoughData, reason, model.ModelId, taxonomy.Version, null, null, 0, examples.Count, 0, 0, 0,
                null, null, null, [], tooFew, unknown);
        }

        var training = split.Training.Select(i => examples[i]).ToList();
        var validation = split.Validation.Select(i => examples[i]).ToList();
        var test = split.Test.Select(i => examples[i]).ToList();
        var trained = HeadTrainer.Train(training, validation, classes.Values, logitScale, classes.Count, classes.Dimension, trainer);
        var trainedPerClass = new int[classes.Count];
        foreach (var example in training)
        {
            trainedPerClass[example.ClassIndex]++;
        }

        KeepZeroShotRowsWithoutData(trained, classes, logitScale, trainedPerClass);
        var choice = WeightSpaceEnsemble.ChooseAlpha(classes.Values, logitScale, trained, classes.Count, classes.Dimension, validation);
        var candidate = WeightSpaceEnsemble.Mix(classes.Values, logitScale, trained, choice.Alpha);
        Log.Trained(logger, training.Count, trained.Epochs, trained.BestValidationLoss, choice.Alpha);

        var zeroShotWeights = new float[classes.Values.Length];
        TensorPrimitives.Multiply(classes.Values, logitScale, zeroShotWeights);
        var zeroShotScore = HeadEvaluation.Evaluate(zeroShotWeights, new float[classes.Count], classes.Count, classes.Dimension, test);
        var candidateScore = HeadEvaluation.Evaluate(candidate.Weights, candidate.Bias, classes.Count, classes.Dimension, test);
        var (previous, currentScore) = await EvaluatePromotedAsync(classes, logitScale, test, ct);

        var best = Math.Max(zeroShotScore.Accuracy, currentScore?.Accuracy ?? double.NegativeInfinity);
        var promote = candidateScore.Accuracy >= best + options.PromotionMargin;
        var now = time.GetUtcNow();
        var head = new ClassifierHead(
            Version(now, trained), model.ModelId, classes.ClassIds, trained.Weights, trained.Bias, classes.Dimension);
        var changes = Enumerable.Range(0, classes.Count)
            .Select(c => new ClassChange(classes.ClassIds[c], trainedPerClass[c], zeroShotScore.PerClassRecall[c], currentScore?.PerClassRecall[c], candidateScore.PerClassRecall[c]))
            .ToList();
        var outcome = promote ? RetrainingOutcome.Promoted : RetrainingOutcome.Kept;
        var because = string.Create(CultureInfo.InvariantCulture,
            $"candidate top-1 {candidateScore.Accuracy:P1} vs best so far {best:P1} ({(currentScore is null ? "zero-shot" : "zero-shot or " + previous)}), margin {options.PromotionMargin:P1}");
        var report = new RetrainingReport(
            outcome, because, model.ModelId, taxonomy.Version, head.Version, previous, choice.Alpha, examples.Count,
            training.Count, validation.Count, test.Count, Score(zeroShotScore), currentScore is null ? null : Score(currentScore), Score(candidateScore),
            changes, tooFew, unknown);

        await store.SaveHeadAsync(
            new StoredHead(
                head.Version, model.ModelId, taxonomy.Version, ClassifierHeadCodec.Encode(head),
                JsonSerializer.Serialize(new { report.ZeroShot, report.Current, report.Candidate, report.Classes, alpha_scores = choice.Scores, promoted = promote, margin = options.PromotionMargin }, Json),
                choice.Alpha,
                JsonSerializer.Serialize(new { options.Seed, options.ValidationFraction, options.TestFraction, trainer, trained.Epochs, trained.BestValidationLoss, report.Examples, report.TrainingExamples, report.ValidationExamples, report.TestExamples, per_class = changes.ToDictionary(c => c.ClassId, c => c.TrainingExamples), report.ClassesWithoutEnoughData, report.UnknownLabels }, Json),
                now),
            ct);
        if (promote)
        {
            await store.PromoteHeadAsync(head.Version, ct);
        }

        Log.Decided(logger, head.Version, outcome.ToString(), because);
        return report;
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

    /// <summary>The promoted head (mixed at its α) scored on the same test split, when there is one that fits.</summary>
    private async Task<(string? Version, HeadEvaluation? Score)> EvaluatePromotedAsync(ClassMatrix classes, float logitScale, List<LabelledVector> test, CancellationToken ct)
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

            var mixed = WeightSpaceEnsemble.Mix(classes.Values, logitScale, new TrainedHead(head.Weights.ToArray(), head.Bias.ToArray(), 0, double.NaN), stored.Alpha);
            return (stored.Version, HeadEvaluation.Evaluate(mixed.Weights, mixed.Bias, classes.Count, classes.Dimension, test));
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
}
