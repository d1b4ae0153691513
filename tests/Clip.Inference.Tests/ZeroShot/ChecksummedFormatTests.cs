using System.Security.Cryptography;
using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ChecksummedFormatTests
{
    private static readonly ChecksummedFormat Format = new("test file", "TESTFILE"u8, formatVersion: 3);

    private static byte[] Encoded() => Encoded(body: writer =>
    {
        writer.Write(2);
        writer.Write(4);
        writer.Write(0.5f);
    });

    private static byte[] Encoded(Action<BinaryWriter> body) => Format.Encode(header: writer => writer.Write("label"), body);

    private static (string Label, (int Count, int Dimension) Shape, float Value) Decode(byte[] bytes) => Format.Decode(
        bytes,
        header: reader => reader.ReadString(),
        body: (reader, label) => (label, Format.ReadShape(reader), ChecksummedFormat.ReadFloats(reader, 1)[0]));

    [Fact]
    public void Encode_LaysOutMagicVersionHeaderChecksumBody()
    {
        var bytes = Encoded();

        Assert.Equal("TESTFILE"u8.ToArray(), bytes[..8]);
        Assert.Equal(new byte[] { 3, 0, 0, 0 }, bytes[8..12]);
        Assert.Equal(new byte[] { 5, (byte)'l', (byte)'a', (byte)'b', (byte)'e', (byte)'l' }, bytes[12..18]);
        Assert.Equal(SHA256.HashData(bytes.AsSpan(50)), bytes[18..50]);
        Assert.Equal(new byte[] { 2, 0, 0, 0, 4, 0, 0, 0, 0x00, 0x00, 0x00, 0x3F }, bytes[50..]);
    }

    [Fact]
    public void Decode_WhatEncodeWrote_GivesHeaderAndBodyBack()
    {
        Assert.Equal(("label", (2, 4), 0.5f), Decode(Encoded()));
    }

    [Fact]
    public void EncodeDecode_NoHeader_PutsTheChecksumRightAfterTheVersion()
    {
        var bytes = Format.Encode(header: null, body: writer => writer.Write("only"));

        Assert.Equal(12 + 32 + 5, bytes.Length);
        Assert.Equal("only", Format.Decode(bytes, reader => reader.ReadString()));
    }

    [Fact]
    public void Decode_ForeignMagic_SaysItIsNotThisFormat()
    {
        var bytes = Encoded();
        bytes[0] ^= 0x01;

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal("not a test file", error.Message);
    }

    [Fact]
    public void Decode_OtherFormatVersion_NamesBothVersions()
    {
        var bytes = Encoded();
        bytes[8] = 4;

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal("test file format version 4, expected 3", error.Message);
    }

    [Fact]
    public void Decode_OneFlippedBitInTheBody_FailsTheChecksum()
    {
        var bytes = Encoded();
        bytes[^1] ^= 0x10;

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal("test file checksum mismatch", error.Message);
    }

    [Theory]
    [InlineData(0)] // no magic
    [InlineData(5)] // part of the magic
    public void Decode_ShorterThanTheMagic_SaysItIsNotThisFormat(int length)
    {
        var error = Assert.Throws<InvalidDataException>(() => Decode(Encoded()[..length]));

        Assert.Equal("not a test file", error.Message);
    }

    [Theory]
    [InlineData(10)] // inside the format version
    [InlineData(15)] // inside the header
    [InlineData(30)] // inside the checksum
    public void Decode_TruncatedBeforeTheBody_SaysTruncated(int length)
    {
        var error = Assert.Throws<InvalidDataException>(() => Decode(Encoded()[..length]));

        Assert.Equal("truncated test file", error.Message);
    }

    [Fact]
    public void Decode_BodyShorterThanItsShapeSays_SaysTruncated()
    {
        var bytes = Encoded(body: writer =>
        {
            writer.Write(2);
            writer.Write(4);
        });

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal("truncated test file", error.Message);
    }

    [Fact]
    public void Decode_BodyLeftUnread_SaysTrailingBytes()
    {
        var bytes = Encoded(body: writer =>
        {
            writer.Write(2);
            writer.Write(4);
            writer.Write(0.5f);
            writer.Write((byte)0);
        });

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal("trailing bytes after the test file", error.Message);
    }

    [Theory]
    [InlineData(0, 4)]
    [InlineData(2, 0)]
    [InlineData(1_000_001, 4)]
    [InlineData(2, 65_537)]
    public void Decode_ImplausibleShape_SaysSo(int count, int dimension)
    {
        var bytes = Encoded(body: writer =>
        {
            writer.Write(count);
            writer.Write(dimension);
            writer.Write(0.5f);
        });

        var error = Assert.Throws<InvalidDataException>(() => Decode(bytes));

        Assert.Equal($"implausible test file shape {count}×{dimension}", error.Message);
    }

    [Fact]
    public void Decode_BodyThatFailsValidation_IsInvalidDataNamingTheFormat()
    {
        var bytes = Format.Encode(header: null, body: writer => writer.Write(-1));

        var error = Assert.Throws<InvalidDataException>(() => Format.Decode(bytes, reader => new string('x', reader.ReadInt32())));

        Assert.StartsWith("invalid test file: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<ArgumentOutOfRangeException>(error.InnerException);
    }
}
