using System.Runtime.InteropServices;

namespace Clip.Ingestion.Blobs;

/// <summary>A downloaded blob.</summary>
/// <param name="Content">The blob's bytes; never more than the fetch's <c>maxBytes</c>.</param>
/// <param name="ETag">The version that was read, without quotes, as Event Grid's <c>data.eTag</c> writes it.</param>
/// <param name="ContentType">The content type the blob was stored with, if any.</param>
public sealed record FetchedBlob(ReadOnlyMemory<byte> Content, string ETag, string? ContentType)
{
    public long Length => Content.Length;

    /// <summary>
    /// The bytes as an array for decoders that need one: the download buffer itself when the blob filled it exactly
    /// (its stated length was right, the usual case), a copy only otherwise. The caller must not write to it.
    /// </summary>
    public byte[] ContentArray() =>
        MemoryMarshal.TryGetArray(Content, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : Content.ToArray();
}
