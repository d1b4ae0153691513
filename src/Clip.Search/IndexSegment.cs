using System.Buffers.Binary;
using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;

namespace Clip.Search;

/// <summary>
/// One immutable file of the index: float16 vectors (2 bytes per dimension), each row's image id and a hash of its
/// source. The vectors are memory-mapped, so a query reads them from the page cache without copying.
/// </summary>
/// <remarks>
/// Format (little-endian): magic <c>CLIPIDXS</c>, format version (int32), model id (length-prefixed UTF-8), dimension
/// and row count (int32); then the vectors (float16 × rows × dimension, row-major), the ids (int64 × rows) and the
/// source hashes (uint64 × rows). Vectors come first so a writer can stream them and learn the count at the end.
/// </remarks>
internal sealed unsafe class IndexSegment : IDisposable
{
    private const int FormatVersion = 2;
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

    /// <summary>Opens the segment a manifest entry names, in <paramref name="folder"/>.</summary>
    /// <exception cref="InvalidDataException">Not a segment of this model and dimension, cut short, or not the rows the entry says.</exception>
    /// <exception cref="IOException">The file cannot be read (it may be missing).</exception>
    public static IndexSegment Open(string folder, SegmentEntry entry, string modelId, int dimension)
    {
        var segment = Open(System.IO.Path.Combine(folder, entry.File), modelId, dimension);
        if (segment.Count != entry.Rows || entry.Dropped.Length != SegmentEntry.BitmapLength(entry.Rows))
        {
            segment.Dispose();
            throw new InvalidDataException($"{entry.File} does not match the manifest");
        }

        return segment;
    }

    /// <exception cref="InvalidDataException">Not a segment of this model and dimension, or cut short.</exception>
    private static IndexSegment Open(string path, string modelId, int dimension)
    {
        long vectorsAt;
        long[] ids;
        ulong[] sources;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
        {
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

                vectorsAt = stream.Position;
                if (stream.Length != vectorsAt + ((long)count * ((dimension * sizeof(ushort)) + sizeof(long) + sizeof(ulong))))
                {
                    throw new InvalidDataException($"{path} is cut short or has trailing bytes");
                }

                stream.Position = vectorsAt + ((long)count * dimension * sizeof(ushort));
                ids = new long[count];
                sources = new ulong[count];
                stream.ReadExactly(MemoryMarshal.AsBytes(ids.AsSpan()));
                stream.ReadExactly(MemoryMarshal.AsBytes(sources.AsSpan()));
            }
            catch (EndOfStreamException)
            {
                throw new InvalidDataException($"{path} is cut short");
            }
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

    /// <summary>
    /// Streams rows into a new segment: vectors go to the file as they come (narrowed to float16), ids and source
    /// hashes are kept and written at the end; the file appears under its name only once complete.
    /// </summary>
    public sealed class Writer : IDisposable
    {
        private readonly string _path;
        private readonly string _temporary;
        private readonly int _dimension;
        private readonly FileStream _stream;
        private readonly long _countAt;
        private readonly List<long> _ids = [];
        private readonly List<ulong> _sources = [];
        private readonly Half[] _row;
        private bool _done;

        public Writer(string path, string modelId, int dimension)
        {
            _path = path;
            _temporary = path + ".tmp";
            _dimension = dimension;
            _row = new Half[dimension];
            _stream = new FileStream(_temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            using var header = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
            header.Write(Magic);
            header.Write(FormatVersion);
            header.Write(modelId);
            header.Write(dimension);
            _countAt = _stream.Position;
            header.Write(0);
        }

        public int Count => _ids.Count;

        public void Add(long id, ulong source, ReadOnlySpan<float> vector)
        {
            TensorPrimitives.ConvertToHalf(vector, _row);
            Add(id, source, _row);
        }

        public void Add(long id, ulong source, ReadOnlySpan<Half> vector)
        {
            if (vector.Length != _dimension)
            {
                throw new ArgumentException($"a {vector.Length}-dimensional row in a {_dimension}-dimensional segment", nameof(vector));
            }

            _stream.Write(MemoryMarshal.AsBytes(vector));
            _ids.Add(id);
            _sources.Add(source);
        }

        /// <summary>Writes the ids and hashes and renames the file into place.</summary>
        public void Complete()
        {
            _stream.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_ids)));
            _stream.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(_sources)));
            _stream.Position = _countAt;
            Span<byte> count = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(count, _ids.Count);
            _stream.Write(count);
            _stream.Dispose();
            File.Move(_temporary, _path, overwrite: true);
            _done = true;
        }

        public void Dispose()
        {
            _stream.Dispose();
            if (!_done)
            {
                File.Delete(_temporary);
            }
        }
    }
}
