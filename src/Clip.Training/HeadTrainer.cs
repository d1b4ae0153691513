using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Clip.Training;

/// <summary>
/// Trains a linear head over L2-normalised embeddings with TorchSharp on the CPU, starting from the
/// zero-shot classifier (<c>logit_scale · W_zs</c>, zero bias) so that with few labels it starts
/// where zero-shot is. Class-weighted cross-entropy, mini-batches, early stopping on a validation
/// split; the weights with the lowest validation loss are returned, in logit units.
/// </summary>
/// <remarks>
/// The parameters are the head divided by the logit scale (<c>logits = s·(V·x + c)</c>, V starting
/// at W_zs), so the learning rate and weight decay mean the same for any model's logit scale, as
/// they do for a probe on unit-norm weights. Adam is invariant to that scaling of the gradient;
/// for SGD the effective rate in V is <c>learning rate × s²</c>.
/// </remarks>
public static class HeadTrainer
{
    /// <param name="training">Examples the head learns from.</param>
    /// <param name="validation">Held-out examples for early stopping; must not be empty.</param>
    /// <param name="zeroShot">The zero-shot class matrix (unit rows), classes × dimension, row-major: the start.</param>
    /// <param name="logitScale">The model's logit scale, which puts the class matrix in logit units.</param>
    /// <param name="classes">Rows of the head; every class index is below it.</param>
    /// <param name="dimension">Length of every embedding.</param>
    /// <param name="options">Defaults when null.</param>
    public static TrainedHead Train(
        IReadOnlyList<LabelledVector> training,
        IReadOnlyList<LabelledVector> validation,
        ReadOnlySpan<float> zeroShot,
        float logitScale,
        int classes,
        int dimension,
        HeadTrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        options ??= new HeadTrainingOptions();
        if (zeroShot.Length != classes * dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{classes} classes × {dimension} need {classes * dimension} zero-shot weights, got {zeroShot.Length}"),
                nameof(zeroShot));
        }

        if (!float.IsFinite(logitScale) || logitScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(logitScale), logitScale, "the logit scale must be a positive number");
        }

        if (training.Count == 0 || validation.Count == 0)
        {
            throw new ArgumentException("training and validation examples are both required");
        }

        Validate(training, classes, dimension, nameof(training));
        Validate(validation, classes, dimension, nameof(validation));

        torch.manual_seed(options.Seed);
        var shuffle = new Random(options.Seed);
        using var trainX = Stack(training, dimension);
        using var trainY = Labels(training);
        using var validationSingles = Stack(validation, dimension);
        using var validationX = validationSingles.to_type(ScalarType.Float64);
        using var validationY = Labels(validation);
        using var classWeights = tensor(ClassWeights(training, classes, options.BalanceClasses), ScalarType.Float64);
        using var weights = new Parameter(tensor(zeroShot.ToArray(), [classes, dimension], ScalarType.Float64));
        using var bias = new Parameter(zeros(classes, ScalarType.Float64));
        using var optimizer = CreateOptimizer([weights, bias], options);

        var bestLoss = ValidationLoss(validationX, validationY, weights, bias, logitScale, classWeights);
        var bestWeights = InLogitUnits(weights, logitScale);
        var bestBias = InLogitUnits(bias, logitScale);
        var order = Enumerable.Range(0, training.Count).Select(i => (long)i).ToArray();
        var epochs = 0;
        var sinceBest = 0;
        while (epochs < options.MaxEpochs && sinceBest < options.Patience)
        {
            shuffle.Shuffle(order);
            for (var start = 0; start < order.Length; start += options.BatchSize)
            {
                using var batchScope = NewDisposeScope();
                var rows = tensor(order.AsSpan(start, Math.Min(options.BatchSize, order.Length - start)).ToArray());
                var logits = nn.functional.linear(trainX.index_select(0, rows).to_type(ScalarType.Float64), weights, bias).mul(logitScale);
                var loss = nn.functional.cross_entropy(logits, trainY.index_select(0, rows), classWeights);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }

            epochs++;
            var validationLoss = ValidationLoss(validationX, validationY, weights, bias, logitScale, classWeights);
            if (validationLoss < bestLoss - options.MinImprovement)
            {
                bestLoss = validationLoss;
                bestWeights = InLogitUnits(weights, logitScale);
                bestBias = InLogitUnits(bias, logitScale);
                sinceBest = 0;
            }
            else
            {
                sinceBest++;
            }
        }

        return new TrainedHead(bestWeights, bestBias, epochs, bestLoss);
    }

    /// <summary>
    /// Inverse-frequency class weights, <c>n / (k · n_c)</c> over the k classes present (1 for absent
    /// classes, which never occur as targets); all ones when balancing is off.
    /// </summary>
    internal static float[] ClassWeights(IReadOnlyList<LabelledVector> training, int classes, bool balance)
    {
        var weights = new float[classes];
        Array.Fill(weights, 1f);
        if (!balance)
        {
            return weights;
        }

        var counts = new int[classes];
        foreach (var example in training)
        {
            counts[example.ClassIndex]++;
        }

        var present = counts.Count(c => c > 0);
        for (var c = 0; c < classes; c++)
        {
            if (counts[c] > 0)
            {
                weights[c] = (float)training.Count / (present * counts[c]);
            }
        }

        return weights;
    }

    private static double ValidationLoss(Tensor x, Tensor y, Tensor weights, Tensor bias, float logitScale, Tensor classWeights)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return nn.functional.cross_entropy(nn.functional.linear(x, weights, bias).mul(logitScale), y, classWeights).item<double>();
    }

    private static float[] InLogitUnits(Tensor parameter, float logitScale)
    {
        using var scope = NewDisposeScope();
        return parameter.detach().mul(logitScale).to_type(ScalarType.Float32).data<float>().ToArray();
    }

    private static optim.Optimizer CreateOptimizer(Parameter[] parameters, HeadTrainingOptions options) => options.Optimizer switch
    {
        HeadOptimizer.Adam => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        HeadOptimizer.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };

    private static Tensor Stack(IReadOnlyList<LabelledVector> examples, int dimension)
    {
        var values = new float[examples.Count * dimension];
        for (var i = 0; i < examples.Count; i++)
        {
            examples[i].Embedding.CopyTo(values, i * dimension);
        }

        return tensor(values, [examples.Count, dimension]);
    }

    private static Tensor Labels(IReadOnlyList<LabelledVector> examples) =>
        tensor(examples.Select(e => (long)e.ClassIndex).ToArray());

    private static void Validate(IReadOnlyList<LabelledVector> examples, int classes, int dimension, string name)
    {
        foreach (var example in examples)
        {
            if (example.Embedding.Length != dimension || example.ClassIndex < 0 || example.ClassIndex >= classes)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"every example needs a {dimension}-dimensional embedding and a class index below {classes}; got {example.Embedding.Length} dimensions and class {example.ClassIndex}"),
                    name);
            }
        }
    }
}
