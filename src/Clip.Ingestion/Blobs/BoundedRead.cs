namespace Clip.Ingestion.Blobs;

/// <summary>Reads a stream into memory without ever holding more than <c>maxBytes + 1</c> of it, whatever its length claims.</summary>
internal static class BoundedRead
{
    private const int UnknownLengthFirstBuffer = 64 * 1024;

    /// <exception cref="BlobFetchException"><see cref="BlobFetchReason.TooLarge"/> once byte <c>maxBytes + 1</c> arrives.</exception>
    public static async Task<ReadOnlyMemory<byte>> ReadAsync(Stream stream, long? declaredLength, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxBytes, Array.MaxLength);

        var first = declaredLength is >= 0 ? declaredLength.Value : UnknownLengthFirstBuffer;
        var buffer = new byte[Math.Min(first, maxBytes)];
        var probe = new byte[1];
        var total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                // Full: one byte more tells the end of the stream from a length that lied, without growing first.
                if (await stream.ReadAsync(probe, cancellationToken) == 0)
                {
                    return buffer;
                }

                if (total == maxBytes)
                {
                    throw TooLarge(maxBytes);
                }

                Array.Resize(ref buffer, (int)Math.Min(Math.Max(2L * buffer.Length, UnknownLengthFirstBuffer), maxBytes));
                buffer[total++] = probe[0];
                continue;
            }

            var read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                return buffer.AsMemory(0, total);
            }

            total += read;
        }
    }

    public static BlobFetchException TooLarge(long maxBytes, long? statedLength = null) => new(
        BlobFetchReason.TooLarge,
        statedLength is { } length
            ? $"The blob is {length} bytes; at most {maxBytes} are accepted."
            : $"The blob is larger than the {maxBytes} bytes accepted.");
}
