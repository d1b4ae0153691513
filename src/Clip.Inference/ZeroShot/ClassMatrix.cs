using System.Globalization;
using Clip.Inference.Encoders;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// One L2-normalised text embedding per class (row-major, classes × dimension) and the key it was
/// built for: the model that embedded the prompts and the taxonomy version that named them. Immutable:
/// the constructor copies its inputs.
/// </summary>
public sealed class ClassMatrix
{
    private readonly EmbeddingMatrix _rows;

    public ClassMatrix(string modelId, string taxonomyVersion, IReadOnlyList<string> classIds, float[] values, int dimension)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentException.ThrowIfNullOrWhiteSpace(taxonomyVersion);
        ArgumentNullException.ThrowIfNull(classIds);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfZero(classIds.Count);
        if (values.Length != classIds.Count * dimension)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"expected {classIds.Count}×{dimension} values, got {values.Length}"),
                nameof(values));
        }

        ModelId = modelId;
        TaxonomyVersion = taxonomyVersion;
        ClassIds = [.. classIds];
        _rows = EmbeddingMatrix.Wrap((float[])values.Clone(), classIds.Count, dimension);
    }

    public string ModelId { get; }

    public string TaxonomyVersion { get; }

    /// <summary>Class ids in row order (the taxonomy's order).</summary>
    public IReadOnlyList<string> ClassIds { get; }

    public int Count => ClassIds.Count;

    public int Dimension => _rows.Dimension;

    /// <summary>All rows, contiguous.</summary>
    public ReadOnlySpan<float> Values => _rows.Values;

    public ReadOnlySpan<float> Row(int index) => _rows.Row(index);
}
