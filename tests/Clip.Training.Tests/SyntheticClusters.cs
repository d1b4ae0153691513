namespace Clip.Training.Tests;

/// <summary>Gaussian clusters on the unit sphere: one random unit centre per class, unit-normalised noisy samples.</summary>
internal sealed class SyntheticClusters
{
    private readonly Random _random;

    public SyntheticClusters(int classes, int dimension, int seed = 7)
    {
        _random = new Random(seed);
        Classes = classes;
        Dimension = dimension;
        Centres = new float[classes * dimension];
        for (var c = 0; c < classes; c++)
        {
            var centre = Centres.AsSpan(c * dimension, dimension);
            HeadTrainingWorkload.Gaussian(_random, centre, 1f);
            HeadTrainingWorkload.Normalise(centre);
        }
    }

    public int Classes { get; }

    public int Dimension { get; }

    /// <summary>Unit rows, classes × dimension: a perfect zero-shot matrix for these clusters.</summary>
    public float[] Centres { get; }

    public List<LabelledVector> Sample(int perClass, float noise) =>
        [.. Enumerable.Range(0, Classes).SelectMany(c => Enumerable.Range(0, perClass).Select(_ => Draw(c, noise)))];

    public LabelledVector Draw(int classIndex, float noise)
    {
        var embedding = new float[Dimension];
        HeadTrainingWorkload.Gaussian(_random, embedding, noise);
        for (var i = 0; i < Dimension; i++)
        {
            embedding[i] += Centres[(classIndex * Dimension) + i];
        }

        HeadTrainingWorkload.Normalise(embedding);
        return new LabelledVector(embedding, classIndex);
    }

    /// <summary>The centres with each class given the next class's centre: a zero-shot matrix that is always wrong.</summary>
    public float[] ShiftedCentres()
    {
        var shifted = new float[Centres.Length];
        for (var c = 0; c < Classes; c++)
        {
            Centres.AsSpan(((c + 1) % Classes) * Dimension, Dimension).CopyTo(shifted.AsSpan(c * Dimension));
        }

        return shifted;
    }

    public static float[] Scaled(float[] values, float scale) => [.. values.Select(v => v * scale)];
}
