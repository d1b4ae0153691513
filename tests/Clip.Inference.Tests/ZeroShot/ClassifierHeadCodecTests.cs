using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ClassifierHeadCodecTests
{
    /// <summary>A head as the first implementation of format version 1 encoded it, kept so later codecs prove they agree.</summary>
    private const string FormatVersion1Hex =
        "434C4950484541440100000033BE88414759A50157E6EE6CBBE97CD84EA69C090DF4C08BB042F82AE87621BB116D6F64" +
        "656C407368613235363A303132330200000002000000036361740464C3B6670000003F0000A0BF0000404095BFD633CD" +
        "CCCC3DCDCC4CBE";

    private static ClassifierHead PinnedHead() =>
        new("head-1", "model@sha256:0123", ["cat", "dög"], [0.5f, -1.25f, 3f, 1e-7f], [0.1f, -0.2f], 2);

    private static ClassifierHead Head() => new(
        "head-1", "model@sha256:0123456789abcdef", ["cat", "dög", "bird"],
        [0.5f, -1.25f, 3f, 0f, 1e-7f, -2f], [0.1f, -0.2f, 0.3f], dimension: 2);

    [Fact]
    public void EncodeDecode_RoundTrip_KeepsEveryIdWeightAndBiasExactly()
    {
        var head = Head();

        var decoded = ClassifierHeadCodec.Decode(ClassifierHeadCodec.Encode(head), "head-1");

        Assert.Equal(head.ModelId, decoded.ModelId);
        Assert.Equal(head.ClassIds, decoded.ClassIds);
        Assert.Equal(head.Dimension, decoded.Dimension);
        Assert.Equal(head.Weights.ToArray(), decoded.Weights.ToArray());
        Assert.Equal(head.Bias.ToArray(), decoded.Bias.ToArray());
    }

    [Fact]
    public void Decode_OneFlippedBit_FailsTheChecksum()
    {
        var bytes = ClassifierHeadCodec.Encode(Head());
        bytes[^3] ^= 0x10;

        var error = Assert.Throws<InvalidDataException>(() => ClassifierHeadCodec.Decode(bytes, "head-1"));
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(20)]
    public void Decode_TruncatedOrForeignBytes_FailsAsInvalidData(int length)
    {
        var bytes = ClassifierHeadCodec.Encode(Head())[..length];

        Assert.Throws<InvalidDataException>(() => ClassifierHeadCodec.Decode(bytes, "head-1"));
    }

    [Fact]
    public void Encode_PinnedHead_GivesTheBytesFormatVersion1AlwaysGave()
    {
        Assert.Equal(FormatVersion1Hex, Convert.ToHexString(ClassifierHeadCodec.Encode(PinnedHead())));
    }

    [Fact]
    public void Decode_BytesFormatVersion1Gave_GivesTheHeadBack()
    {
        var head = PinnedHead();

        var decoded = ClassifierHeadCodec.Decode(Convert.FromHexString(FormatVersion1Hex), "stored-version");

        Assert.Equal("stored-version", decoded.Version);
        Assert.Equal((head.ModelId, head.Dimension), (decoded.ModelId, decoded.Dimension));
        Assert.Equal(head.ClassIds, decoded.ClassIds);
        Assert.Equal(head.Weights.ToArray(), decoded.Weights.ToArray());
        Assert.Equal(head.Bias.ToArray(), decoded.Bias.ToArray());
    }
}
