using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;

namespace Clip.Search;

/// <summary>
/// One immutable file of the index: image ids, a hash of each image's source, and float16 vectors (2 bytes per
/// dimension), the vectors memory-mapped so a query reads them from the page cache without copying.
/// </summary>
/// <remarks>
/// Format (little-endian): magic <c>CLIPIDXS</c>, format version (int32), model id (length-prefixed UTF-8), dimension
/// and row count (int32); then the ids (int64 × rows), the source hashes (uint64 × rows), and the vectors
/// (float16 × rows × dimension), row-major.
/// </remarks>
internal sealed unsafe class IndexSegment : IDisposable
{
    private const int FormatVersion = 1;
    private static readonly byte[] Magic = "CLIPIDXS"u8.ToArray();

    private readonly MemoryMappedFile? _file;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _vectors;

    private IndexSegment(string path, long[] ids, ulong[] sources, int dimension, MemoryMappedFile? file, MemoryMappedViewAccessor? view, byte* vectors)
    {
        Path = path;
        Ids = ids;
        Sources = sources;
        Dimension = dimension;
        _file = file;
        _view = view;
        _vectors = vectors;
    }

    public string Path { get; }

    public long[] Ids { get; }

    public ulong[] Sources { get; }

    public int Dimension { get; }

    public int Count => Ids.Length;

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>, contiguous.</summary>
    public ReadOnlySpan<Half> Rows(int start, int count) =>
        new(_vectors + ((long)start * Dimension * sizeof(ushort)), count * Dimension);

    /// <summary>Writes a segment atomically (a temporary file renamed into place).</summary>
    public static void Write(string path, string modelId, int dimension, IReadOnlyList<long> ids, IReadOnlyList<ulong> sources, ReadOnlySpan<Half> vectors)
    {
        if (ids.Count != sources.Count || vectors.Length != ids.Count * dimension)
        {
            throw new ArgumentException("one id, one source hash and one vector per row");
        }

        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        using (var writer = new BinaryWriter(stream, Encoding.UTF8))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(modelId);
            writer.Write(dimension);
            writer.Write(ids.Count);
            foreach (var id in ids)
            {
                writer.Write(id);
            }

            foreach (var source in sources)
            {
                writer.Write(source);
            }

            writer.Write(MemoryMarshal.AsBytes(vectors));
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <exception cref="InvalidDataException">Not a segment of this model and dimension, or cut short.</exception>
    public static IndexSegment Open(string path, string modelId, int dimension)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        long vectorsAt;
        long[] ids;
        ulong[] sources;
        try
        {
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != FormatVersion)
            {
                throw new InvalidDataException($"{path} is not an index segment of this format");
            }

            var model = reader.ReadString();
            var (dim, count) = (reader.ReadInt32(), reader.ReadInt32());
            if (model != modelId || dim != dimension || count < 0)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} holds {count} rows of {model} × {dim}, not {modelId} × {dimension}"));
            }

            ids = new long[count];
            sources = new ulong[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = reader.ReadInt64();
            }

            for (var i = 0; i < count; i++)
            {
                sources[i] = reader.ReadUInt64();
            }

            vectorsAt = stream.Position;
            if (stream.Length != vectorsAt + ((long)count * dimension * sizeof(ushort)))
            {
                throw new InvalidDataException($"{path} is cut short or has trailing bytes");
            }
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is cut short");
        }

        if (ids.Length == 0)
        {
            return new IndexSegment(path, ids, sources, dimension, null, null, null);
        }

        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, mapName: null, capacity: 0, MemoryMappedFileAccess.Read);
        var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* start = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
        return new IndexSegment(path, ids, sources, dimension, file, view, start + view.PointerOffset + vectorsAt);
    }

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }

        _file?.Dispose();
    }
}
