using System.Buffers.Binary;
using System.Globalization;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using System.Text;
using Clip.Persistence;

namespace Clip.Search;

/// <summary>
/// Keeps a model's index in step with SQL, the source of truth. A refresh reads the embeddings written since the
/// index's watermark (less an overlap, so a batch committed late is not missed) into a new segment, drops rows whose
/// image SQL no longer has, whose source has a newer version, or whose embedding was rewritten, and compacts when
/// segments or dropped rows pile up. One refresh at a time per folder (a lock file); readers are never blocked:
/// segments are immutable and the manifest is replaced atomically.
/// </summary>
public static class EmbeddingIndexBuilder
{
    /// <summary>
    /// How far before the watermark a refresh reads again: longer than a write transaction takes to commit after its
    /// rows' timestamps are taken, plus clock skew between writers; rows read again unchanged are skipped.
    /// </summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(2);

    private const int MaxSegments = 8;
    private const double MaxDroppedShare = 0.25;

    /// <summary>The folder of the index of one database's embeddings from one model, under <paramref name="root"/>.</summary>
    /// <param name="root">Where indexes are kept.</param>
    /// <param name="databaseTarget">The database (<see cref="ILabelStore.Target"/>): two databases never share an index.</param>
    /// <param name="modelId">The model.</param>
    public static string FolderFor(string root, string databaseTarget, string modelId) =>
        Path.Combine(root, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(databaseTarget + "\n" + modelId)).AsSpan(0, 8)));

    /// <summary>Brings the index in <paramref name="folder"/> up to date with <paramref name="store"/>'s embeddings of <paramref name="modelId"/>.</summary>
    /// <param name="store">The results database.</param>
    /// <param name="folder">The index folder (see <see cref="FolderFor"/>); created when missing.</param>
    /// <param name="modelId">The model whose embeddings are indexed.</param>
    /// <param name="rebuild">Build from scratch even when an index exists.</param>
    /// <param name="cancellationToken">Stops the refresh; the index stays as it was.</param>
    /// <exception cref="InvalidDataException">Stored embeddings of different lengths for one model.</exception>
    public static async Task<IndexRefresh> RefreshAsync(ILabelStore store, string folder, string modelId, bool rebuild = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        Directory.CreateDirectory(folder);
        await using var exclusive = await LockAsync(folder, cancellationToken);

        var manifest = rebuild ? null : IndexManifest.Read(folder);
        if (manifest is not null && manifest.ModelId != modelId)
        {
            manifest = null;
        }

        var segments = new List<(IndexSegment Segment, byte[] Dropped)>();
        try
        {
            foreach (var entry in manifest?.Segments ?? [])
            {
                segments.Add((IndexSegment.Open(Path.Combine(folder, entry.File), modelId, manifest!.Dimension), (byte[])entry.Dropped.Clone()));
            }
        }
        catch (InvalidDataException)
        {
            manifest = null; // A damaged index is rebuilt, never trusted.
            DisposeAll(segments);
            segments.Clear();
        }

        try
        {
            return await RefreshAsync(store, folder, modelId, manifest, segments, cancellationToken);
        }
        finally
        {
            DisposeAll(segments);
        }
    }

    private static async Task<IndexRefresh> RefreshAsync(
        ILabelStore store, string folder, string modelId, IndexManifest? manifest, List<(IndexSegment Segment, byte[] Dropped)> segments, CancellationToken ct)
    {
        // Where each served row is (segment −1: the rows read now), and each source's newest served image.
        var located = new Dictionary<long, (int Segment, int Row)>();
        var newest = new Dictionary<ulong, long>();
        for (var s = 0; s < segments.Count; s++)
        {
            var (segment, dropped) = segments[s];
            for (var row = 0; row < segment.Count; row++)
            {
                if (!IsSet(dropped, row))
                {
                    located[segment.Ids[row]] = (s, row);
                    newest[segment.Sources[row]] = Math.Max(newest.GetValueOrDefault(segment.Sources[row]), segment.Ids[row]);
                }
            }
        }

        var before = located.Keys.ToHashSet();
        var dimension = manifest?.Dimension ?? 0;
        var pending = new List<(long Id, ulong Source, float[] Vector)>();
        var pendingDropped = new List<bool>();
        var read = 0;
        var watermark = manifest?.Watermark;
        var since = manifest?.Watermark - Overlap;

        void Drop(long id)
        {
            if (located.Remove(id, out var at))
            {
                if (at.Segment < 0)
                {
                    pendingDropped[at.Row] = true;
                }
                else
                {
                    Set(segments[at.Segment].Dropped, at.Row);
                }
            }
        }

        await foreach (var embedding in store.ReadEmbeddingsAsync(modelId, since, cancellationToken: ct))
        {
            read++;
            if (dimension == 0)
            {
                dimension = embedding.Vector.Length;
            }
            else if (embedding.Vector.Length != dimension)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture, $"image {embedding.ImageId} has a {embedding.Vector.Length}-dimensional embedding from {modelId}; the index holds {dimension}"));
            }

            watermark = watermark is null || embedding.CreatedAt > watermark ? embedding.CreatedAt : watermark;
            if (embedding.CreatedAt <= manifest?.Watermark && located.ContainsKey(embedding.ImageId))
            {
                continue; // Read again inside the overlap, unchanged.
            }

            var source = SourceHash(embedding.SourceUri);
            Drop(embedding.ImageId); // Its embedding was rewritten (labelled again).
            if (newest.TryGetValue(source, out var other) && other != embedding.ImageId)
            {
                if (other > embedding.ImageId)
                {
                    continue; // An older version of a source the index already serves newer.
                }

                Drop(other);
            }

            located[embedding.ImageId] = (-1, pending.Count);
            newest[source] = embedding.ImageId;
            pending.Add((embedding.ImageId, source, embedding.Vector));
            pendingDropped.Add(false);
        }

        // Deletions leave no row to read: compare with the ids SQL still has.
        var stored = await store.ReadEmbeddedImageIdsAsync(modelId, ct);
        foreach (var id in located.Keys.ToList())
        {
            if (Array.BinarySearch(stored, id) < 0)
            {
                Drop(id);
            }
        }

        var rows = segments.Sum(s => s.Segment.Count) + pending.Count;
        var droppedTotal = segments.Sum(s => PopCount(s.Dropped)) + pendingDropped.Count(d => d);
        var compact = manifest is not null && (segments.Count + (pending.Count > 0 ? 1 : 0) > MaxSegments || droppedTotal > rows * MaxDroppedShare);
        var entries = new List<SegmentEntry>();
        var keep = new HashSet<string>(StringComparer.Ordinal) { IndexManifest.FileName };
        if (compact)
        {
            var ids = new List<long>();
            var sources = new List<ulong>();
            var vectors = new List<Half>();
            foreach (var (segment, dropped) in segments)
            {
                for (var row = 0; row < segment.Count; row++)
                {
                    if (!IsSet(dropped, row))
                    {
                        ids.Add(segment.Ids[row]);
                        sources.Add(segment.Sources[row]);
                        vectors.AddRange(segment.Rows(row, 1));
                    }
                }
            }

            AppendPending(pending, pendingDropped, ids, sources, vectors);
            entries.Add(WriteSegment(folder, modelId, dimension, ids, sources, vectors));
        }
        else
        {
            for (var s = 0; s < segments.Count; s++)
            {
                entries.Add(new SegmentEntry(Path.GetFileName(segments[s].Segment.Path), segments[s].Segment.Count, segments[s].Dropped));
            }

            if (pending.Count > 0)
            {
                var (ids, sources, vectors) = (new List<long>(), new List<ulong>(), new List<Half>());
                AppendPending(pending, pendingDropped, ids, sources, vectors);
                if (ids.Count > 0)
                {
                    entries.Add(WriteSegment(folder, modelId, dimension, ids, sources, vectors));
                }
            }
        }

        new IndexManifest(IndexManifest.CurrentFormat, modelId, dimension, watermark, entries).Write(folder);
        keep.UnionWith(entries.Select(e => e.File));
        foreach (var file in Directory.EnumerateFiles(folder, "segment-*.bin"))
        {
            if (!keep.Contains(Path.GetFileName(file)))
            {
                File.Delete(file); // Readers that still map it keep their view until they close it.
            }
        }

        return new IndexRefresh(read, located.Keys.Count(id => !before.Contains(id)), before.Count(id => !located.ContainsKey(id)), located.Count, manifest is null, compact);
    }

    private static void AppendPending(List<(long Id, ulong Source, float[] Vector)> pending, List<bool> dropped, List<long> ids, List<ulong> sources, List<Half> vectors)
    {
        for (var i = 0; i < pending.Count; i++)
        {
            if (!dropped[i])
            {
                ids.Add(pending[i].Id);
                sources.Add(pending[i].Source);
                var half = new Half[pending[i].Vector.Length];
                TensorPrimitives.ConvertToHalf(pending[i].Vector, half);
                vectors.AddRange(half);
            }
        }
    }

    private static SegmentEntry WriteSegment(string folder, string modelId, int dimension, List<long> ids, List<ulong> sources, List<Half> vectors)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"segment-{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}.bin");
        IndexSegment.Write(Path.Combine(folder, name), modelId, dimension, ids, sources, vectors.ToArray());
        return new SegmentEntry(name, ids.Count, new byte[(ids.Count + 7) / 8]);
    }

    /// <summary>64 bits of SHA-256 of the source URI: equal sources are versions of one image.</summary>
    internal static ulong SourceHash(string sourceUri) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(sourceUri)));

    private static bool IsSet(byte[] bitmap, int row) => (bitmap[row >> 3] & (1 << (row & 7))) != 0;

    private static void Set(byte[] bitmap, int row) => bitmap[row >> 3] |= (byte)(1 << (row & 7));

    private static int PopCount(byte[] bitmap) => bitmap.Sum(b => System.Numerics.BitOperations.PopCount(b));

    private static void DisposeAll(List<(IndexSegment Segment, byte[] Dropped)> segments)
    {
        foreach (var (segment, _) in segments)
        {
            segment.Dispose();
        }
    }

    /// <summary>Holds the folder's refresh lock: waits while another process refreshes.</summary>
    private static async Task<FileStream> LockAsync(string folder, CancellationToken ct)
    {
        var path = Path.Combine(folder, "refresh.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (attempt < 600)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
