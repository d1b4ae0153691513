namespace Clip.Training.Tests;

/// <summary>
/// Test-side code shared by the training tests and the benchmarks (which compile this file in; it never ships).
/// A synthetic, seeded training job at production shape (512-dimensional embeddings, 1000 classes)
/// for benchmark harnesses to time: noisy unit vectors around random class centres, a zero-shot
/// matrix that is a noisier copy of the centres, 10% of the rows held out for validation.
/// </summary>
public static class HeadTrainingWorkload
{
    /// <summary>Builds the data (not timed by callers who time <see cref="Train"/>).</summary>
    public static (LabelledVector[] Training, LabelledVector[] Validation, float[] ZeroShot) Create(int rows, int dimension = 512, int classes = 1000, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2);
        var random = new Random(seed);
        var centres = new float[classes * dimension];
        var zeroShot = new float[classes * dimension];
        for (var c = 0; c < classes; c++)
        {
            var centre = centres.AsSpan(c * dimension, dimension);
            Gaussian(random, centre, 1f);
            Normalise(centre);
            var row = zeroShot.AsSpan(c * dimension, dimension);
            Gaussian(random, row, 1f);
            for (var i = 0; i < dimension; i++)
            {
                row[i] = centre[i] + (row[i] * 0.05f);
            }

            Normalise(row);
        }

        var examples = new LabelledVector[rows];
        for (var r = 0; r < rows; r++)
        {
            var label = random.Next(classes);
            var embedding = new float[dimension];
            Gaussian(random, embedding, 0.2f);
            for (var i = 0; i < dimension; i++)
            {
                embedding[i] += centres[(label * dimension) + i];
            }

            Normalise(embedding);
            examples[r] = new LabelledVector(embedding, label);
        }

        var validationRows = Math.Max(1, rows / 10);
        return (examples[validationRows..], examples[..validationRows], zeroShot);
    }

    /// <summary>Trains on <see cref="Create"/>'s data; defaults to 10 epochs with no early stop, so the work is fixed.</summary>
    public static TrainedHead Train(int rows, int dimension = 512, int classes = 1000, HeadTrainingOptions? options = null, float logitScale = 100f)
    {
        options ??= new HeadTrainingOptions { MaxEpochs = 10, Patience = int.MaxValue };
        var (training, validation, zeroShot) = Create(rows, dimension, classes, options.Seed);
        return HeadTrainer.Train(training, validation, zeroShot, logitScale, classes, dimension, options);
    }

    internal static void Gaussian(Random random, Span<float> values, float standardDeviation)
    {
        for (var i = 0; i < values.Length; i++)
        {
            // Box–Muller.
            var u = 1.0 - random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u)) * Math.Cos(2.0 * Math.PI * random.NextDouble()) * standardDeviation);
        }
    }

    internal static void Normalise(Span<float> values)
    {
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(values);
        System.Numerics.Tensors.TensorPrimitives.Divide(values, norm, values);
    }
}
