using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clip.Inference.Encoders;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// The bytes a <see cref="ClassifierHead"/> is stored as (the <c>heads.weights</c> column): magic, format version,
/// model id, class ids, dimension, then float32 little-endian weights and bias, guarded by a SHA-256 of the body.
/// The head's version is the row's key, not part of the bytes.
/// </summary>
public static class ClassifierHeadCodec
{
    private const int FormatVersion = 1;
    private const int MaxClasses = 1_000_000;
    private const int MaxDimension = 1 << 16;
    private static readonly byte[] Magic = "CLIPHEAD"u8.ToArray();

    public static byte[] Encode(ClassifierHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(head.ModelId);
            writer.Write(head.ClassIds.Count);
            writer.Write(head.Dimension);
            foreach (var id in head.ClassIds)
            {
                writer.Write(id);
            }

            writer.Write(Float32LittleEndian.Encode(head.Weights));
            writer.Write(Float32LittleEndian.Encode(head.Bias));
        }

        using var stored = new MemoryStream();
        stored.Write(Magic);
        Span<byte> format = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(format, FormatVersion);
        stored.Write(format);
        stored.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
        stored.Write(body.GetBuffer(), 0, (int)body.Length);
        return stored.ToArray();
    }

    /// <exception cref="InvalidDataException">Not a head this codec wrote, or damaged.</exception>
    public static ClassifierHead Decode(ReadOnlySpan<byte> bytes, string version)
    {
        var header = Magic.Length + sizeof(int) + SHA256.HashSizeInBytes;
        if (bytes.Length < header || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a stored classifier head");
        }

        var format = BinaryPrimitives.ReadInt32LittleEndian(bytes[Magic.Length..]);
        if (format != FormatVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"head format version {format}, expected {FormatVersion}"));
        }

        var body = bytes[header..];
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.Slice(Magic.Length + sizeof(int), SHA256.HashSizeInBytes)))
        {
            throw new InvalidDataException("head checksum mismatch");
        }

        using var stream = new MemoryStream(body.ToArray(), writable: false);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var modelId = reader.ReadString();
            var count = reader.ReadInt32();
            var dimension = reader.ReadInt32();
            if (count is < 1 or > MaxClasses || dimension is < 1 or > MaxDimension)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"implausible head shape {count}×{dimension}"));
            }

            var ids = new string[count];
            for (var i = 0; i < count; i++)
            {
                ids[i] = reader.ReadString();
            }

            var weights = ReadFloats(reader, count * dimension);
            var bias = ReadFloats(reader, count);
            if (stream.Position != stream.Length)
            {
                throw new InvalidDataException("trailing bytes after the head");
            }

            return new ClassifierHead(version, modelId, ids, weights, bias, dimension);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("truncated classifier head", e);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"invalid classifier head: {e.Message}", e);
        }
    }

    private static float[] ReadFloats(BinaryReader reader, int count)
    {
        var bytes = reader.ReadBytes(count * sizeof(float));
        if (bytes.Length != count * sizeof(float))
        {
            throw new EndOfStreamException();
        }

        return Float32LittleEndian.Decode(bytes);
    }
}
