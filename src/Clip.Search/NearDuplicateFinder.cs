using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Search;

/// <summary>
/// Groups near-identical images among one model's indexed embeddings. Images are taken in id order; one not yet in a
/// group starts one, and takes every later image not yet grouped whose cosine to it reaches the threshold. Every
/// member is that close to the group's first image, not merely to some other member, so groups do not chain from
/// copy to look-alike to look-alike. The pairs come from blocked matrix products of the embedding matrix with itself
/// (upper triangle only), run by ONNX Runtime's SGEMM on all cores.
/// </summary>
public sealed class NearDuplicateFinder : IDisposable
{
    /// <summary>
    /// The default threshold, calibrated on the bundled model (<c>NearDuplicateCalibrationTests</c>): resized, re-encoded
    /// and slightly cropped copies of an image reach it; other pictures of the same class do not.
    /// </summary>
    public const float DefaultMinCosine = 0.95f;

    private const int BlockRows = 2048;

    private readonly InferenceSession _gemm;

    public NearDuplicateFinder()
    {
        using var stream = typeof(NearDuplicateFinder).Assembly.GetManifestResourceStream("gemm.onnx")
            ?? throw new InvalidOperationException("the gemm.onnx resource is missing from Clip.Search");
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _gemm = new InferenceSession(bytes.ToArray(), options);
    }

    /// <summary>The groups of images in <paramref name="index"/> joined by cosines of at least <paramref name="minCosine"/>, largest first.</summary>
    public IReadOnlyList<DuplicateGroup> Find(EmbeddingIndex index, float minCosine = DefaultMinCosine)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (minCosine is not (> 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minCosine), minCosine, "the cosine threshold must be in (0, 1]");
        }

        var rows = index.Rows().OrderBy(r => r.ImageId).ToList();
        var ids = rows.Select(r => r.ImageId).ToArray();
        var dimension = index.Dimension;
        var matrix = new float[(long)rows.Count * dimension];
        for (var i = 0; i < rows.Count; i++)
        {
            rows[i].Vector.CopyTo(matrix.AsSpan(i * dimension, dimension));
        }

        rows.Clear();
        var near = new Dictionary<int, List<int>>();
        for (var top = 0; top < ids.Length; top += BlockRows)
        {
            var m = Math.Min(BlockRows, ids.Length - top);
            for (var left = top; left < ids.Length; left += BlockRows)
            {
                var n = Math.Min(BlockRows, ids.Length - left);
                using var a = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, matrix.AsMemory(top * dimension, m * dimension), [m, dimension]);
                using var b = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, matrix.AsMemory(left * dimension, n * dimension), [n, dimension]);
                using var runOptions = new RunOptions();
                using var outputs = _gemm.Run(runOptions, ["a", "b"], [a, b], ["y"]);
                var cosines = outputs[0].GetTensorDataAsSpan<float>();
                for (var i = 0; i < m; i++)
                {
                    // Only pairs above the diagonal: each pair once, never an image with itself.
                    var from = left == top ? i + 1 : 0;
                    var row = cosines.Slice((i * n) + from, n - from);
                    for (var j = NextAtLeast(row, minCosine, 0); j >= 0; j = NextAtLeast(row, minCosine, j + 1))
                    {
                        (near.TryGetValue(top + i, out var list) ? list : near[top + i] = []).Add(left + from + j);
                    }
                }
            }
        }

        return Groups(near, ids, matrix, dimension);
    }

    public void Dispose() => _gemm.Dispose();

    /// <summary>The first index at or after <paramref name="start"/> whose value reaches <paramref name="threshold"/>, or −1; sixteen at a time.</summary>
    internal static int NextAtLeast(ReadOnlySpan<float> values, float threshold, int start)
    {
        var i = start;
        if (Vector512.IsHardwareAccelerated)
        {
            var limit = Vector512.Create(threshold);
            for (; i + Vector512<float>.Count <= values.Length; i += Vector512<float>.Count)
            {
                var hits = Vector512.GreaterThanOrEqual(Vector512.Create(values.Slice(i, Vector512<float>.Count)), limit).ExtractMostSignificantBits();
                if (hits != 0)
                {
                    return i + System.Numerics.BitOperations.TrailingZeroCount(hits);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var limit = Vector256.Create(threshold);
            for (; i + Vector256<float>.Count <= values.Length; i += Vector256<float>.Count)
            {
                var hits = Vector256.GreaterThanOrEqual(Vector256.Create(values.Slice(i, Vector256<float>.Count)), limit).ExtractMostSignificantBits();
                if (hits != 0)
                {
                    return i + System.Numerics.BitOperations.TrailingZeroCount(hits);
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (values[i] >= threshold)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Leaders in image id order (rows are in id order), each taking its ungrouped near-copies.</summary>
    private static List<DuplicateGroup> Groups(Dictionary<int, List<int>> near, long[] ids, float[] matrix, int dimension)
    {
        var grouped = new bool[ids.Length];
        var groups = new List<DuplicateGroup>();
        foreach (var leader in near.Keys.Order())
        {
            if (grouped[leader])
            {
                continue;
            }

            var members = new List<(long, float)> { (ids[leader], 1f) };
            foreach (var other in near[leader].Where(o => !grouped[o]))
            {
                grouped[other] = true;
                members.Add((ids[other], TensorPrimitives.Dot(matrix.AsSpan(leader * dimension, dimension), matrix.AsSpan(other * dimension, dimension))));
            }

            if (members.Count > 1)
            {
                grouped[leader] = true;
                groups.Add(new DuplicateGroup(ids[leader], members));
            }
        }

        return [.. groups.OrderByDescending(g => g.Members.Count).ThenBy(g => g.GroupId)];
    }
}
