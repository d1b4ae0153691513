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
        if (destination.Length != (long)values.Length * sizeof(float))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{values.Length} float32 values take {(long)values.Length * sizeof(float)} bytes, not {destination.Length}"),
                nameof(destination));
        }

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
        if (source.Length != (long)values.Length * sizeof(float))
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{source.Length} bytes do not hold exactly {values.Length} float32 values"),
                nameof(source));
        }

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
