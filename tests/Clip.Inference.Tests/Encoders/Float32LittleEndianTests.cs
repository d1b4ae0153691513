using Clip.Inference.Encoders;

namespace Clip.Inference.Tests.Encoders;

public sealed class Float32LittleEndianTests
{
    private static readonly float[] Values = [1f, -2.5f, 0f, float.Epsilon, float.MaxValue, float.NegativeInfinity];

    // Written out by hand from IEEE 754 single precision, least significant byte first.
    private static readonly byte[] Bytes =
    [
        0x00, 0x00, 0x80, 0x3F, // 1
        0x00, 0x00, 0x20, 0xC0, // -2.5
        0x00, 0x00, 0x00, 0x00, // 0
        0x01, 0x00, 0x00, 0x00, // the smallest subnormal
        0xFF, 0xFF, 0x7F, 0x7F, // float.MaxValue
        0x00, 0x00, 0x80, 0xFF, // -∞
    ];

    [Fact]
    public void Encode_KnownValues_GivesTheHandWrittenBytes()
    {
        Assert.Equal(Bytes, Float32LittleEndian.Encode(Values));
    }

    [Fact]
    public void Decode_HandWrittenBytes_GivesTheKnownValues()
    {
        Assert.Equal(Values, Float32LittleEndian.Decode(Bytes));
    }

    [Fact]
    public void EncodeDecode_RoundTrip_KeepsEveryBitIncludingNaNPayloadsAndNegativeZero()
    {
        var values = new[] { -0f, BitConverter.Int32BitsToSingle(0x7FC0_1234), BitConverter.Int32BitsToSingle(unchecked((int)0xFF80_0001)), 3.1415927f };

        var decoded = Float32LittleEndian.Decode(Float32LittleEndian.Encode(values));

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), decoded.Select(BitConverter.SingleToInt32Bits));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the path a big-endian machine takes, checked here too
    public void WriteRead_IntoCallerBuffers_GiveTheHandWrittenBytesAndTheKnownValues(bool eachValue)
    {
        var bytes = new byte[Bytes.Length];
        var values = new float[Values.Length];

        if (eachValue)
        {
            Float32LittleEndian.WriteEachValue(Values, bytes);
            Float32LittleEndian.ReadEachValue(Bytes, values);
        }
        else
        {
            Float32LittleEndian.Write(Values, bytes);
            Float32LittleEndian.Read(Bytes, values);
        }

        Assert.Equal(Bytes, bytes);
        Assert.Equal(Values, values);
    }

    [Fact]
    public void EncodeDecode_Empty_GiveEmpty()
    {
        Assert.Empty(Float32LittleEndian.Encode([]));
        Assert.Empty(Float32LittleEndian.Decode([]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Decode_LengthNotAMultipleOfFour_ThrowsSayingSo(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => Float32LittleEndian.Decode(new byte[length]));

        Assert.Equal("bytes", error.ParamName);
        Assert.Contains($"{length} bytes are not a whole number of float32 values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRead_BufferOfTheWrongSize_Throw()
    {
        Assert.Throws<ArgumentException>(() => Float32LittleEndian.Write(Values, new byte[Bytes.Length - 1]));
        Assert.Throws<ArgumentException>(() => Float32LittleEndian.Read(Bytes, new float[Values.Length + 1]));
    }
}
