using System.Diagnostics;
using System.Numerics.Tensors;

namespace Clip.Inference.Encoders;

/// <summary>Row-major embeddings, one row per input, each row L2-normalised.</summary>
public sealed class EmbeddingMatrix
{
    private readonly float[] _values;

    private EmbeddingMatrix(float[] values, int count, int dimension)
    {
        _values = values;
        Count = count;
        Dimension = dimension;
    }

    public int Count { get; }

    public int Dimension { get; }

    /// <summary>All rows, contiguous.</summary>
    public ReadOnlySpan<float> Values => _values;

    public ReadOnlySpan<float> Row(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return _values.AsSpan(index * Dimension, Dimension);
    }

    /// <summary>Takes <paramref name="rows"/> as they are, without copying or normalising, for an owner that checked their shape.</summary>
    internal static EmbeddingMatrix Wrap(float[] rows, int count, int dimension)
    {
        Debug.Assert(count >= 0 && dimension > 0 && rows.Length == count * dimension, "the owner checks the shape");
        return new EmbeddingMatrix(rows, count, dimension);
    }

    /// <summary>Copies rows and L2-normalises each; a zero row stays zero rather than becoming NaN.</summary>
    public static EmbeddingMatrix FromRaw(ReadOnlySpan<float> raw, int count, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (raw.Length != count * dimension)
        {
            throw new ArgumentException($"expected {count}×{dimension} values, got {raw.Length}", nameof(raw));
        }

        var values = raw.ToArray();
        for (var i = 0; i < count; i++)
        {
            TryNormaliseInPlace(values.AsSpan(i * dimension, dimension));
        }

        return new EmbeddingMatrix(values, count, dimension);
    }

    /// <summary>Scales <paramref name="row"/> to unit L2 length; the one normalisation every embedding gets.</summary>
    /// <returns>False, leaving the row as it was, when its length is zero or not finite.</returns>
    public static bool TryNormaliseInPlace(Span<float> row)
    {
        var norm = TensorPrimitives.Norm(row);
        if (!(norm > 0 && float.IsFinite(norm)))
        {
            return false;
        }

        TensorPrimitives.Divide(row, norm, row);
        return true;
    }
}
