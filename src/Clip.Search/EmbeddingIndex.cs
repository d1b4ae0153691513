using System.Numerics.Tensors;

namespace Clip.Search;

/// <summary>
/// A read-only snapshot of one model's index: every served row of its segments. Exact search: the query's dot product
/// with every row (float16 rows widened a block at a time), the best kept in a bounded heap per thread.
/// </summary>
public sealed class EmbeddingIndex : IDisposable
{
    private const int BlockRows = 512;

    private readonly IReadOnlyList<(IndexSegment Segment, SegmentEntry Entry)> _segments;

    private EmbeddingIndex(string modelId, int dimension, IReadOnlyList<(IndexSegment, SegmentEntry)> segments)
    {
        ModelId = modelId;
        Dimension = dimension;
        _segments = segments;
        Count = segments.Sum(s => s.Item2.Rows - s.Item2.DroppedCount);
    }

    public string ModelId { get; }

    public int Dimension { get; }

    /// <summary>Rows served: one per image, its source's newest version.</summary>
    public long Count { get; }

    /// <summary>Opens the index in <paramref name="folder"/>; null when there is none for this model yet.</summary>
    /// <exception cref="InvalidDataException">A segment the manifest names is missing or damaged.</exception>
    public static EmbeddingIndex? Open(string folder, string modelId)
    {
        var manifest = IndexManifest.Read(folder);
        if (manifest is null || manifest.ModelId != modelId)
        {
            return null;
        }

        var open = new List<(IndexSegment, SegmentEntry)>();
        try
        {
            foreach (var entry in manifest.Segments)
            {
                open.Add((IndexSegment.Open(folder, entry, modelId, manifest.Dimension), entry));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException)
        {
            foreach (var (segment, _) in open)
            {
                segment.Dispose();
            }

            throw new InvalidDataException($"the search index in {folder} is damaged ({e.Message}); rebuild it", e);
        }

        return new EmbeddingIndex(modelId, manifest.Dimension, open);
    }

    /// <summary>
    /// The <paramref name="top"/> rows most similar to <paramref name="query"/> (an L2-normalised embedding), best
    /// first, among those <paramref name="allow"/> admits (all when null) with a cosine of at least <paramref name="minCosine"/>.
    /// </summary>
    public IReadOnlyList<IndexHit> Search(ReadOnlySpan<float> query, int top, float minCosine = -1f, Predicate<long>? allow = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        if (_segments.Count == 0)
        {
            return []; // Nothing indexed yet: no dimension to check against.
        }

        if (query.Length != Dimension)
        {
            throw new ArgumentException($"the query has {query.Length} dimensions, the index {Dimension}", nameof(query));
        }

        var blocks = _segments.SelectMany((s, index) => Enumerable.Range(0, (s.Entry.Rows + BlockRows - 1) / BlockRows).Select(b => (index, b))).ToArray();
        var queryCopy = query.ToArray();
        var merged = new TopHits(top);
        var gate = new Lock();
        Parallel.For(
            0,
            blocks.Length,
            () => (Hits: new TopHits(top), Rows: new float[BlockRows * Dimension]),
            (i, _, local) =>
            {
                var (segmentIndex, block) = blocks[i];
                ScoreBlock(_segments[segmentIndex], block, queryCopy, minCosine, allow, local.Rows, local.Hits);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    merged.AddAll(local.Hits);
                }
            });
        return merged.Sorted();
    }

    /// <summary>Every served row's image id and vector (widened to float32), segment by segment.</summary>
    public IEnumerable<(long ImageId, float[] Vector)> Rows()
    {
        foreach (var (segment, entry) in _segments)
        {
            for (var row = 0; row < entry.Rows; row++)
            {
                if (!entry.IsDropped(row))
                {
                    var vector = new float[Dimension];
                    TensorPrimitives.ConvertToSingle(segment.Rows(row, 1), vector);
                    yield return (segment.Ids[row], vector);
                }
            }
        }
    }

    /// <summary>The served row whose source hashes to <paramref name="sourceHash"/>, widened; null when none is.</summary>
    internal (long ImageId, float[] Vector)? Find(ulong sourceHash)
    {
        foreach (var (segment, entry) in _segments)
        {
            for (var row = 0; row < entry.Rows; row++)
            {
                if (segment.Sources[row] == sourceHash && !entry.IsDropped(row))
                {
                    var vector = new float[Dimension];
                    TensorPrimitives.ConvertToSingle(segment.Rows(row, 1), vector);
                    return (segment.Ids[row], vector);
                }
            }
        }

        return null;
    }

    private void ScoreBlock((IndexSegment Segment, SegmentEntry Entry) part, int block, float[] query, float minCosine, Predicate<long>? allow, float[] rows, TopHits hits)
    {
        var (segment, entry) = part;
        var start = block * BlockRows;
        var count = Math.Min(BlockRows, entry.Rows - start);
        var widened = rows.AsSpan(0, count * Dimension);
        TensorPrimitives.ConvertToSingle(segment.Rows(start, count), widened);
        for (var r = 0; r < count; r++)
        {
            var row = start + r;
            if (entry.IsDropped(row) || (allow is not null && !allow(segment.Ids[row])))
            {
                continue;
            }

            var cosine = TensorPrimitives.Dot(widened.Slice(r * Dimension, Dimension), query);
            if (cosine >= minCosine)
            {
                hits.Add(new IndexHit(segment.Ids[row], cosine));
            }
        }
    }

    public void Dispose()
    {
        foreach (var (segment, _) in _segments)
        {
            segment.Dispose();
        }
    }

    /// <summary>The best hits seen so far: a min-heap of at most its capacity, the worst on top.</summary>
    private sealed class TopHits(int capacity)
    {
        private readonly PriorityQueue<IndexHit, (float, long)> _heap = new();

        public void Add(IndexHit hit)
        {
            // Ties go to the lower image id, so results do not depend on thread timing.
            var key = (hit.Cosine, -hit.ImageId);
            if (_heap.Count < capacity)
            {
                _heap.Enqueue(hit, key);
            }
            else if (_heap.TryPeek(out _, out var worst) && key.CompareTo(worst) > 0)
            {
                _heap.EnqueueDequeue(hit, key);
            }
        }

        public void AddAll(TopHits other)
        {
            foreach (var (hit, _) in other._heap.UnorderedItems)
            {
                Add(hit);
            }
        }

        public List<IndexHit> Sorted() =>
            [.. _heap.UnorderedItems.Select(i => i.Element).OrderByDescending(h => h.Cosine).ThenBy(h => h.ImageId)];
    }
}
