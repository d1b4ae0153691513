using System.Buffers.Binary;
using System.Globalization;
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

    /// <summary>How often a refresh compares every id with SQL's, whatever the deletion log says: rows older than this may be pruned from the log.</summary>
    public static readonly TimeSpan FullSweepEvery = TimeSpan.FromDays(1);

    // Past this many logged deletions since the last refresh, reading every id beats confirming each.
    private const int MaxLoggedDeletions = 100_000;

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
    /// <param name="timeProvider">The clock that decides when every id is compared with SQL's again; the system's by default.</param>
    /// <param name="cancellationToken">Stops the refresh; the index stays as it was.</param>
    /// <exception cref="InvalidDataException">Stored embeddings of different lengths for one model.</exception>
    public static async Task<IndexRefresh> RefreshAsync(
        ILabelStore store, string folder, string modelId, bool rebuild = false, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
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
                segments.Add((IndexSegment.Open(folder, entry, modelId, manifest!.Dimension), (byte[])entry.Dropped.Clone()));
            }
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            manifest = null; // A damaged index is rebuilt, never trusted.
            DisposeAll(segments);
            segments.Clear();
        }

        try
        {
            return await RefreshAsync(store, folder, modelId, manifest, segments, timeProvider ?? TimeProvider.System, cancellationToken);
        }
        finally
        {
            DisposeAll(segments);
        }
    }

    private static async Task<IndexRefresh> RefreshAsync(
        ILabelStore store, string folder, string modelId, IndexManifest? manifest, List<(IndexSegment Segment, byte[] Dropped)> segments, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var dimension = manifest?.Dimension ?? 0;
        var previous = manifest?.Watermark;
        var watermark = previous;
        var name = NewSegmentName();
        IndexSegment.Writer? writer = null;
        var pending = new List<(long Id, ulong Source)>();
        var pendingDropped = new List<bool>();
        var pendingById = new Dictionary<long, int>();
        var pendingBySource = new Dictionary<ulong, int>();
        var read = 0;
        // Rows read again inside the overlap are skipped when already served.
        var served = new HashSet<long>(segments.Sum(x => x.Segment.Count));
        foreach (var (segment, dropped) in segments)
        {
            for (var row = 0; row < segment.Count; row++)
            {
                if (!SegmentEntry.IsSet(dropped, row))
                {
                    served.Add(segment.Ids[row]);
                }
            }
        }

        // 0. What was deleted since the last look, read before the changes: a row deleted after this is in the next
        //    refresh's share of the log. Every id is compared with SQL's instead when the log cannot be trusted alone.
        var (logged, deletions, sweep) = await ReadDeletionLogAsync(store, modelId, manifest, now, ct);

        try
        {
            // 1. What changed since the watermark (all, on a rebuild): streamed to a new segment, newest version per source.
            await foreach (var embedding in store.ReadEmbeddingsAsync(modelId, previous - Overlap, cancellationToken: ct))
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
                if (embedding.CreatedAt <= previous && served.Contains(embedding.ImageId))
                {
                    continue;
                }

                writer ??= new IndexSegment.Writer(Path.Combine(folder, name), modelId, dimension);
                var source = SourceHash(embedding.SourceUri);
                var newest = true; // The highest image id of a source is its newest version, whenever it was embedded.
                if (pendingBySource.TryGetValue(source, out var other))
                {
                    newest = pending[other].Id < embedding.ImageId;
                    pendingDropped[other] |= newest;
                }

                if (newest)
                {
                    pendingBySource[source] = pending.Count;
                }

                pendingById[embedding.ImageId] = pending.Count;
                pending.Add((embedding.ImageId, source));
                pendingDropped.Add(!newest);
                writer.Add(embedding.ImageId, source, embedding.Vector);
            }

            // 2. The rows served so far, against what changed and against what SQL no longer has.
            var isGone = await FindGoneAsync(store, modelId, sweep, logged, served, pendingById, ct);
            var (droppedServed, replaced) = (0, 0);
            foreach (var (segment, dropped) in segments)
            {
                for (var row = 0; row < segment.Count; row++)
                {
                    if (SegmentEntry.IsSet(dropped, row))
                    {
                        continue;
                    }

                    var (id, source) = (segment.Ids[row], segment.Sources[row]);
                    var gone = isGone(id);
                    if (pendingById.TryGetValue(id, out var again) && !pendingDropped[again])
                    {
                        replaced++; // Embedded again (labelled again): the new row replaces it.
                    }
                    else if (!gone && pendingBySource.TryGetValue(source, out var version) && !pendingDropped[version] && pending[version].Id < id)
                    {
                        pendingDropped[version] = true; // An older version of a source served newer.
                        continue;
                    }
                    else if (!gone && !pendingBySource.ContainsKey(source))
                    {
                        continue;
                    }

                    SegmentEntry.Set(dropped, row); // Re-embedded, superseded by a newer version, or deleted from SQL.
                    droppedServed++;
                }
            }

            for (var p = 0; p < pending.Count; p++)
            {
                pendingDropped[p] |= isGone(pending[p].Id);
            }

            var kept = pendingDropped.Count(d => !d);
            var entries = segments.Select(s => new SegmentEntry(Path.GetFileName(s.Segment.Path), s.Segment.Count, s.Dropped)).ToList();
            if (writer is not null && kept > 0)
            {
                writer.Complete();
                var bitmap = new byte[SegmentEntry.BitmapLength(pending.Count)];
                for (var p = 0; p < pending.Count; p++)
                {
                    if (pendingDropped[p])
                    {
                        SegmentEntry.Set(bitmap, p);
                    }
                }

                entries.Add(new SegmentEntry(name, pending.Count, bitmap));
            }

            var rows = entries.Sum(e => e.Rows);
            var droppedTotal = entries.Sum(e => e.DroppedCount);
            var compact = entries.Count > MaxSegments || droppedTotal > rows * MaxDroppedShare;
            if (compact)
            {
                entries = [Compact(folder, modelId, dimension, entries, segments.Select(x => x.Segment))];
            }

            var sweptAt = sweep || manifest is null ? now : manifest.SweptAt;
            new IndexManifest(IndexManifest.CurrentFormat, modelId, dimension, watermark, entries, deletions, sweptAt).Write(folder);
            var keep = entries.Select(e => e.File).ToHashSet(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(folder, "segment-*.bin"))
            {
                if (!keep.Contains(Path.GetFileName(file)))
                {
                    File.Delete(file); // Readers that still map it keep their view until they close it.
                }
            }

            return new IndexRefresh(read, kept - replaced, droppedServed - replaced, rows - droppedTotal, manifest is null, compact, sweep);
        }
        finally
        {
            writer?.Dispose();
        }
    }

    /// <summary>
    /// The deletion log past the manifest's place in it, and the place after it; or, with the sweep flag, that every
    /// id must be compared with SQL's: the index predates the log, its last sweep is <see cref="FullSweepEvery"/> old
    /// (the log may have been pruned since), the log says everything may be gone (a TRUNCATE), or it is so long that
    /// reading all ids is cheaper than confirming each. A new index reads everything, and only needs the log's end.
    /// </summary>
    private static async Task<(IReadOnlyList<EmbeddingDeletion> Logged, DeletionCursor Cursor, bool Sweep)> ReadDeletionLogAsync(
        ILabelStore store, string modelId, IndexManifest? manifest, DateTimeOffset now, CancellationToken ct)
    {
        if (manifest?.Deletions is { } cursor && manifest.SweptAt is { } sweptAt && now - sweptAt < FullSweepEvery)
        {
            var logged = await store.ReadEmbeddingDeletionsAsync(modelId, cursor.LastId, cursor.LastDeletedAt - Overlap, ct);
            var sweep = logged.Count > MaxLoggedDeletions || logged.Any(d => d.ImageId is null);
            return (sweep ? [] : logged, cursor.Advance(logged), sweep);
        }

        var start = DeletionCursor.Start(await store.ReadLatestEmbeddingDeletionAsync(ct));
        return ([], start, manifest is not null);
    }

    /// <summary>
    /// Which ids SQL no longer has: by all of SQL's ids on a sweep, else the logged deletions of ids the index holds,
    /// each confirmed absent (an id can come back: SQLite reuses the highest rowid, and the log is re-read in overlap).
    /// </summary>
    private static async Task<Func<long, bool>> FindGoneAsync(
        ILabelStore store, string modelId, bool sweep, IReadOnlyList<EmbeddingDeletion> logged, HashSet<long> served, Dictionary<long, int> pendingById, CancellationToken ct)
    {
        if (sweep)
        {
            var stored = await store.ReadEmbeddedImageIdsAsync(modelId, ct);
            return id => Array.BinarySearch(stored, id) < 0;
        }

        var candidates = logged.Select(d => d.ImageId!.Value).Where(id => served.Contains(id) || pendingById.ContainsKey(id)).Distinct().ToList();
        var gone = new HashSet<long>();
        foreach (var chunk in candidates.Chunk(LabelStore.MaxLabelledLookup))
        {
            var present = await store.FindEmbeddedAsync(chunk, modelId, ct);
            gone.UnionWith(chunk.Where(id => !present.Contains(id)));
        }

        return gone.Contains;
    }

    /// <summary>Every served row of <paramref name="entries"/> into one new segment, in their order; segments already open are read as they are.</summary>
    private static SegmentEntry Compact(string folder, string modelId, int dimension, List<SegmentEntry> entries, IEnumerable<IndexSegment> open)
    {
        var name = NewSegmentName();
        using var writer = new IndexSegment.Writer(Path.Combine(folder, name), modelId, dimension);
        var byFile = open.ToDictionary(s => Path.GetFileName(s.Path), StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var opened = byFile.GetValueOrDefault(entry.File);
            using var owned = opened is null ? IndexSegment.Open(folder, entry, modelId, dimension) : null;
            var segment = opened ?? owned!;
            for (var row = 0; row < segment.Count; row++)
            {
                if (!entry.IsDropped(row))
                {
                    writer.Add(segment.Ids[row], segment.Sources[row], segment.Rows(row, 1));
                }
            }
        }

        var count = writer.Count;
        writer.Complete();
        return new SegmentEntry(name, count, new byte[SegmentEntry.BitmapLength(count)]);
    }

    private static string NewSegmentName() =>
        string.Create(CultureInfo.InvariantCulture, $"segment-{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Guid.NewGuid():N}.bin");

    /// <summary>64 bits of SHA-256 of the source URI: equal sources are versions of one image.</summary>
    internal static ulong SourceHash(string sourceUri) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(sourceUri)));

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
