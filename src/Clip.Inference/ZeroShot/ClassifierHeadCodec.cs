using Clip.Inference.Encoders;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// The bytes a <see cref="ClassifierHead"/> is stored as (the <c>heads.weights</c> column): magic, format version,
/// model id, class ids, dimension, then float32 little-endian weights and bias, guarded by a SHA-256 of the body.
/// The head's version is the row's key, not part of the bytes.
/// </summary>
public static class ClassifierHeadCodec
{
    private static readonly ChecksummedFormat StoredFormat = new("stored classifier head", "CLIPHEAD"u8, formatVersion: 1);

    public static byte[] Encode(ClassifierHead head)
    {
        ArgumentNullException.ThrowIfNull(head);
        return StoredFormat.Encode(
            header: null,
            body: writer =>
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
            });
    }

    /// <exception cref="InvalidDataException">Not a head this codec wrote, or damaged.</exception>
    public static ClassifierHead Decode(ReadOnlySpan<byte> bytes, string version) => StoredFormat.Decode(
        bytes.ToArray(),
        body: reader =>
        {
            var modelId = reader.ReadString();
            var (count, dimension) = StoredFormat.ReadShape(reader);
            var ids = ChecksummedFormat.ReadStrings(reader, count);
            var weights = ChecksummedFormat.ReadFloats(reader, (long)count * dimension);
            var bias = ChecksummedFormat.ReadFloats(reader, count);
            return new ClassifierHead(version, modelId, ids, weights, bias, dimension);
        });
}
