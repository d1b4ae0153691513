using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Clip.Inference.Encoders;

/// <summary>
/// Floats as stored and exchanged: float32 little-endian, bit for bit (NaN payloads included), whatever the
/// machine's byte order. Embedding rows, class matrices, trained heads and preprocessed tensors all use it.
/// </summary>
public static class Float32LittleEndian
{
    /// <summary>Writes <paramref name="values"/> into <paramref name="destination"/>, which must be exactly 4 bytes a value.</summary>
    public static void Write(ReadOnlySpan<float> values, Span<byte> destination)
    {
        RequireFourBytesAValue(values.Length, destination.Length, nameof(destination));
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
        }
        else
        {
            WriteEachValue(values, destination);
        }
    }

    /// <summary>Reads <paramref name="source"/>, exactly 4 bytes a value, into <paramref name="values"/>.</summary>
    public static void Read(ReadOnlySpan<byte> source, Span<float> values)
    {
        RequireFourBytesAValue(values.Length, source.Length, nameof(source));
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values));
        }
        else
        {
            ReadEachValue(source, values);
        }
    }

    /// <summary>The bytes of <paramref name="values"/>, 4 a value.</summary>
    public static byte[] Encode(ReadOnlySpan<float> values)
    {
        var bytes = new byte[checked(values.Length * sizeof(float))];
        Write(values, bytes);
        return bytes;
    }

    /// <summary>The values <paramref name="bytes"/> hold.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 4.</exception>
    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{bytes.Length} bytes are not a whole number of float32 values"),
                nameof(bytes));
        }

        var values = new float[bytes.Length / sizeof(float)];
        Read(bytes, values);
        return values;
    }

    private static void RequireFourBytesAValue(int valueCount, int byteCount, string parameterName)
    {
        if (byteCount != (long)valueCount * sizeof(float))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{valueCount} float32 values take {(long)valueCount * sizeof(float)} bytes, not {byteCount}"),
                parameterName);
        }
    }

    /// <summary>The byte-order-independent path a big-endian machine takes; internal so a little-endian test run checks it too.</summary>
    internal static void WriteEachValue(ReadOnlySpan<float> values, Span<byte> destination)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
        }
    }

    /// <summary>The byte-order-independent path a big-endian machine takes; internal so a little-endian test run checks it too.</summary>
    internal static void ReadEachValue(ReadOnlySpan<byte> source, Span<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
        }
    }
}
