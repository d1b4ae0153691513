using System.Text.Json;
using System.Text.Json.Serialization;

namespace Clip.Search;

/// <summary>
/// The index folder's table of contents, replaced atomically on every refresh: which segments make the index, which of
/// their rows are dropped (deleted, superseded or re-embedded since), and how far into SQL's changes it has read.
/// </summary>
/// <param name="Format">The manifest's format.</param>
/// <param name="ModelId">The model whose embeddings it holds.</param>
/// <param name="Dimension">Their length.</param>
/// <param name="Watermark">The newest embedding timestamp read.</param>
/// <param name="Segments">The segment files, oldest first.</param>
/// <param name="Deletions">How far into SQL's log of deleted embeddings it has read; null: not yet (an index from before the log).</param>
/// <param name="SweptAt">When it last compared all its ids with SQL's (or was built).</param>
internal sealed record IndexManifest(
    int Format,
    string ModelId,
    int Dimension,
    DateTimeOffset? Watermark,
    IReadOnlyList<SegmentEntry> Segments,
    DeletionCursor? Deletions = null,
    DateTimeOffset? SweptAt = null)
{
    public const int CurrentFormat = 1;
    public const string FileName = "index.json";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The manifest in <paramref name="folder"/>, or null when there is none or it is not this format.</summary>
    public static IndexManifest? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        try
        {
            var manifest = JsonSerializer.Deserialize<IndexManifest>(File.ReadAllBytes(path), Json);
            return manifest?.Format == CurrentFormat ? manifest : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    public void Write(string folder)
    {
        var path = Path.Combine(folder, FileName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this, Json));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A place in SQL's log of deleted embeddings: the last row read and the newest deletion time seen.</summary>
internal sealed record DeletionCursor(long LastId, DateTimeOffset? LastDeletedAt)
{
    public static DeletionCursor Start(Persistence.EmbeddingDeletion? latest) => new(latest?.Id ?? 0, latest?.DeletedAt);

    public DeletionCursor Advance(IEnumerable<Persistence.EmbeddingDeletion> rows) => rows.Aggregate(this, (cursor, row) => new DeletionCursor(
        Math.Max(cursor.LastId, row.Id),
        cursor.LastDeletedAt is null || row.DeletedAt > cursor.LastDeletedAt ? row.DeletedAt : cursor.LastDeletedAt));
}

/// <summary>One segment file and the rows of it the index no longer serves.</summary>
/// <param name="File">The segment's file name in the index folder.</param>
/// <param name="Rows">Its row count.</param>
/// <param name="Dropped">A bitmap, one bit per row (row r is bit r % 8 of byte r / 8): set when the row is no longer served.</param>
internal sealed record SegmentEntry(string File, int Rows, byte[] Dropped)
{
    public bool IsDropped(int row) => IsSet(Dropped, row);

    /// <summary>Bytes of a bitmap of <paramref name="rows"/> rows.</summary>
    public static int BitmapLength(int rows) => (rows + 7) / 8;

    public static bool IsSet(byte[] bitmap, int row) => (bitmap[row >> 3] & (1 << (row & 7))) != 0;

    public static void Set(byte[] bitmap, int row) => bitmap[row >> 3] |= (byte)(1 << (row & 7));

    [JsonIgnore]
    public int DroppedCount => Dropped.Sum(b => System.Numerics.BitOperations.PopCount(b));
}
