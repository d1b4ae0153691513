using System.Globalization;
using Clip.Inference.Imaging;
using Xunit.Abstractions;

using Clip.TestUtilities;

namespace Clip.Inference.Tests.Imaging;

public sealed class JpegDecodingTests(ITestOutputHelper output)
{
    public static TheoryData<JpegBackend> Backends => new(JpegBackend.LibjpegTurbo, JpegBackend.ImageSharp);

    public static TheoryData<string> NonJpegFixtures => new(ReferenceFixtures.Names.Where(name => !name.EndsWith(".jpg", StringComparison.Ordinal)));

    public static TheoryData<string> FullChromaJpegFixtures =>
        new(ReferenceFixtures.Names.Where(name => name.EndsWith(".jpg", StringComparison.Ordinal) && name != "photo_420.jpg"));

    private static ImagePreprocessor Create(JpegBackend backend, ImageLimits? limits = null, int size = 64) =>
        new(ReferenceFixtures.OpenAiConfig(size), limits ?? new ImageLimits(), preferLibjpegTurbo: backend == JpegBackend.LibjpegTurbo);

    [Fact]
    public void LibjpegTurbo_OnTheTestMachine_IsTheJpegBackend()
    {
        Assert.True(
            LibjpegTurbo.IsAvailable,
            "libturbojpeg.so.0 could not be loaded, so JPEGs fall back to ImageSharp and drift from torchvision. "
            + "Install it: apt-get install libturbojpeg0");
        Assert.Equal(JpegBackend.LibjpegTurbo, new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits()).JpegBackend);
    }

    [Fact]
    public void Preprocessor_LibjpegTurboNotPreferred_UsesImageSharp() =>
        Assert.Equal(JpegBackend.ImageSharp, Create(JpegBackend.ImageSharp).JpegBackend);

    [Fact]
    public void ImageSharpFallback_ChromaSubsampledJpeg_StaysWithinTheDecoderGap()
    {
        var fixture = ReferenceFixtures.Get("photo_420.jpg");

        var actual = Create(JpegBackend.ImageSharp, size: fixture.Size).Preprocess(ReferenceFixtures.Bytes(fixture.Image));

        // ImageSharp 2.1 upsamples 4:2:0 chroma differently from libjpeg's "fancy" upsampling.
        var difference = TensorDifference.Between(actual, fixture.ReadTensor());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ImageSharp {fixture.Image}: mean {difference.Mean:F6} max {difference.Max:F6}"));
        Assert.InRange(difference.Mean, 0, 0.05);
        Assert.InRange(difference.Max, 0, 1.0);
    }

    [Theory]
    [MemberData(nameof(FullChromaJpegFixtures))]
    public void ImageSharpFallback_FullChromaJpeg_MatchesTorchvision(string image)
    {
        var fixture = ReferenceFixtures.Get(image);

        var actual = Create(JpegBackend.ImageSharp, size: fixture.Size).Preprocess(ReferenceFixtures.Bytes(image));

        var difference = TensorDifference.Between(actual, fixture.ReadTensor());
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ImageSharp {image}: mean {difference.Mean:F6} max {difference.Max:F6}"));
        Assert.True(difference.WithinBounds, $"mean {difference.Mean}, max {difference.Max}");
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Preprocess_TruncatedChromaSubsampledJpeg_RejectsAsCorrupt(JpegBackend backend)
    {
        var bytes = ReferenceFixtures.Bytes("photo_420.jpg");

        var rejection = Assert.Throws<ImageRejectedException>(() => Create(backend).Preprocess(bytes.AsSpan(0, bytes.Length * 3 / 4)));

        Assert.Equal(ImageRejectionReason.Corrupt, rejection.Reason);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Preprocess_JpegSoiFollowedByGarbage_RejectsAsCorrupt(JpegBackend backend)
    {
        var bytes = ReferenceFixtures.Bytes("photo_420.jpg");
        new Random(7).NextBytes(bytes.AsSpan(20));

        var rejection = Assert.Throws<ImageRejectedException>(() => Create(backend).Preprocess(bytes));

        Assert.Equal(ImageRejectionReason.Corrupt, rejection.Reason);
    }

    [Theory]
    [InlineData(JpegBackend.LibjpegTurbo, 60_000, 60_000, ImageRejectionReason.TooManyPixels)]
    [InlineData(JpegBackend.ImageSharp, 60_000, 60_000, ImageRejectionReason.TooManyPixels)]
    [InlineData(JpegBackend.LibjpegTurbo, 30_000, 1, ImageRejectionReason.DimensionTooLarge)]
    [InlineData(JpegBackend.ImageSharp, 30_000, 1, ImageRejectionReason.DimensionTooLarge)]
    public void Preprocess_JpegDeclaringAHugeFrame_RejectsWithoutAllocatingIt(JpegBackend backend, int width, int height, ImageRejectionReason reason)
    {
        var jpeg = HostileImages.JpegDeclaring(ReferenceFixtures.Bytes("photo_420.jpg"), width, height);
        var preprocessor = Create(backend);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = Assert.Throws<ImageRejectedException>(() => preprocessor.Preprocess(jpeg));

        Assert.Equal(reason, rejection.Reason);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 * 1024 * 1024);
    }

    [Fact]
    public void LibjpegTurboDecoder_HugeDeclaredFrame_ChecksTheSizeBeforeAllocating()
    {
        var jpeg = HostileImages.JpegDeclaring(ReferenceFixtures.Bytes("photo_420.jpg"), 60_000, 60_000);
        var checkedSize = (Width: 0, Height: 0);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = Assert.Throws<ImageRejectedException>(() => LibjpegTurboDecoder.TryDecode(
            jpeg,
            draftShortSide: 0,
            (width, height) =>
            {
                checkedSize = (width, height);
                throw new ImageRejectedException(ImageRejectionReason.TooManyPixels, "over the limit");
            }));

        Assert.Equal(ImageRejectionReason.TooManyPixels, rejection.Reason);
        Assert.Equal((60_000, 60_000), checkedSize);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1024 * 1024);
    }

    [Theory]
    [InlineData("FFD8FFC00002")] // a frame header with a bogus length
    [InlineData("FFD8FFC4001F0000010501010101010100000000000000000102030405060708090A0BFFD9")] // tables only, no frame
    public void LibjpegTurboDecoder_NoUsableJpegHeader_RejectsAsCorrupt(string hex)
    {
        var rejection = Assert.Throws<ImageRejectedException>(
            () => LibjpegTurboDecoder.TryDecode(Convert.FromHexString(hex), draftShortSide: 0, (_, _) => { }));

        output.WriteLine(rejection.Message);
        Assert.Equal(ImageRejectionReason.Corrupt, rejection.Reason);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void Preprocess_ProgressiveJpegWithABrokenLaterScan_RejectsAsCorrupt(JpegBackend backend)
    {
        // libjpeg only reads the second scan header inside tjDecompress2, and fails there as Pillow does.
        var bytes = ReferenceFixtures.Bytes("photo_progressive.jpg");
        var firstScan = bytes.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
        var secondScan = firstScan + 2 + bytes.AsSpan(firstScan + 2).IndexOf([(byte)0xFF, (byte)0xDA]);
        bytes[secondScan + 5] = 9; // component id of the scan's only component

        var rejection = Assert.Throws<ImageRejectedException>(() => Create(backend).Preprocess(bytes));

        output.WriteLine(rejection.Message);
        Assert.Equal(ImageRejectionReason.Corrupt, rejection.Reason);
    }

    [Fact]
    public void LibjpegTurboDecoder_ExtraneousBytesBeforeTheEndMarker_DecodesLikePillow()
    {
        // libjpeg only warns ("extraneous bytes before marker 0xd9") and Pillow decodes the picture unchanged.
        var bytes = ReferenceFixtures.Bytes("photo_420.jpg");
        var end = bytes.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xD9]);
        byte[] damaged = [.. bytes[..end], 0x12, 0x34, 0x56, .. bytes[end..]];
        var preprocessor = Create(JpegBackend.LibjpegTurbo);

        Assert.Equal(preprocessor.Preprocess(bytes), preprocessor.Preprocess(damaged));
    }

    [Fact]
    public void LibjpegTurboDecoder_CmykJpeg_IsLeftToImageSharp()
    {
        using var image = LibjpegTurboDecoder.TryDecode(ReferenceFixtures.Bytes("cmyk.jpg"), draftShortSide: 0, (_, _) => { });

        Assert.Null(image);
    }

    [Theory]
    [MemberData(nameof(NonJpegFixtures))]
    public void Preprocess_NonJpegFixture_IsTheSameWhicheverJpegBackend(string image) =>
        Assert.Equal(
            Create(JpegBackend.ImageSharp).Preprocess(ReferenceFixtures.Bytes(image)),
            Create(JpegBackend.LibjpegTurbo).Preprocess(ReferenceFixtures.Bytes(image)));

    [Fact]
    public void Preprocess_ManyThreadsDecodingJpegs_AgreeWithASingleThread()
    {
        var preprocessor = Create(JpegBackend.LibjpegTurbo);
        var bytes = ReferenceFixtures.Bytes("photo_420.jpg");
        var expected = preprocessor.Preprocess(bytes);

        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => Assert.Equal(expected, preprocessor.Preprocess(bytes)));
    }
}
