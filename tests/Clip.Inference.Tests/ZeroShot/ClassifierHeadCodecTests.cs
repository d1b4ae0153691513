using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ClassifierHeadCodecTests
{
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
}
