using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clip.Inference.Encoders;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// The envelope class-matrix cache files and stored heads share (little-endian): an 8-byte magic, the format
/// version (int32), the format's own header fields, the SHA-256 of the body (32 bytes), then the body.
/// Every way bytes can fail to decode comes out as <see cref="InvalidDataException"/> naming the format.
/// </summary>
internal sealed class ChecksummedFormat
{
    private const int MaxClasses = 1_000_000;
    private const int MaxDimension = 1 << 16;

    private readonly byte[] _magic;

    /// <param name="name">What the bytes are, for error messages: "not a {name}".</param>
    /// <param name="magic">The 8 bytes every encoding starts with.</param>
    /// <param name="formatVersion">The one version this reader accepts and this writer writes.</param>
    public ChecksummedFormat(string name, ReadOnlySpan<byte> magic, int formatVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (magic.Length != 8)
        {
            throw new ArgumentException("a magic is 8 bytes", nameof(magic));
        }

        Name = name;
        _magic = magic.ToArray();
        FormatVersion = formatVersion;
    }

    public string Name { get; }

    public int FormatVersion { get; }

    /// <param name="header">Writes the fields between the format version and the checksum; null when there are none.</param>
    /// <param name="body">Writes what the checksum covers.</param>
    public byte[] Encode(Action<BinaryWriter>? header, Action<BinaryWriter> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var bodyBytes = new MemoryStream();
        using (var writer = new BinaryWriter(bodyBytes, Encoding.UTF8, leaveOpen: true))
        {
            body(writer);
        }

        var bodySpan = bodyBytes.GetBuffer().AsSpan(0, (int)bodyBytes.Length);
        using var encoded = new MemoryStream();
        using (var writer = new BinaryWriter(encoded, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(_magic);
            writer.Write(FormatVersion);
            header?.Invoke(writer);
            writer.Write(SHA256.HashData(bodySpan));
            writer.Write(bodySpan);
        }

        return encoded.ToArray();
    }

    /// <summary>Decodes an encoding without header fields.</summary>
    /// <exception cref="InvalidDataException">Not this format, another version, truncated, damaged or implausible.</exception>
    public T Decode<T>(byte[] bytes, Func<BinaryReader, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Decode(bytes, static _ => 0, (reader, _) => body(reader));
    }

    /// <param name="bytes">The whole encoding.</param>
    /// <param name="header">Reads the header fields, before the checksum is checked.</param>
    /// <param name="body">Reads the checksummed body, all of it; it may throw <see cref="InvalidDataException"/> itself.</param>
    /// <exception cref="InvalidDataException">Not this format, another version, truncated, damaged or implausible.</exception>
    public T Decode<THeader, T>(byte[] bytes, Func<BinaryReader, THeader> header, Func<BinaryReader, THeader, T> body)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(body);
        if (!bytes.AsSpan().StartsWith(_magic))
        {
            throw new InvalidDataException($"not a {Name}");
        }

        using var stream = new MemoryStream(bytes, writable: false) { Position = _magic.Length };
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{Name} format version {version}, expected {FormatVersion}"));
            }

            var fields = header(reader);
            var checksum = reader.ReadBytes(SHA256.HashSizeInBytes);
            if (checksum.Length != SHA256.HashSizeInBytes)
            {
                throw new InvalidDataException($"truncated {Name}");
            }

            if (!SHA256.HashData(bytes.AsSpan((int)stream.Position)).AsSpan().SequenceEqual(checksum))
            {
                throw new InvalidDataException($"{Name} checksum mismatch");
            }

            var decoded = body(reader, fields);
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException($"trailing bytes after the {Name}");
            }

            return decoded;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"truncated {Name}", e);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidDataException($"invalid {Name}: {e.Message}", e);
        }
    }

    /// <summary>Reads a class count and a dimension (int32 each), refusing shapes no model has.</summary>
    public (int Count, int Dimension) ReadShape(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var count = reader.ReadInt32();
        var dimension = reader.ReadInt32();
        if (count is < 1 or > MaxClasses || dimension is < 1 or > MaxDimension)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"implausible {Name} shape {count}×{dimension}"));
        }

        return (count, dimension);
    }

    /// <summary>Reads <paramref name="count"/> length-prefixed UTF-8 strings.</summary>
    public static string[] ReadStrings(BinaryReader reader, int count)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var strings = new string[count];
        for (var i = 0; i < count; i++)
        {
            strings[i] = reader.ReadString();
        }

        return strings;
    }

    /// <summary>Reads <paramref name="count"/> float32 little-endian values.</summary>
    /// <exception cref="EndOfStreamException">Fewer bytes are left than the values take.</exception>
    public static float[] ReadFloats(BinaryReader reader, long count)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var length = count * sizeof(float);
        if (length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new EndOfStreamException();
        }

        return Float32LittleEndian.Decode(reader.ReadBytes((int)length));
    }
}
