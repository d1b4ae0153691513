using System.Text;
using Clip.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

using Clip.TestUtilities;

namespace Clip.Inference.Tests.Imaging;

public sealed class ImagePreprocessorRejectionTests
{
    private static ImagePreprocessor Create(ImageLimits? limits = null) =>
        new(ReferenceFixtures.OpenAiConfig(64), limits ?? new ImageLimits());

    private static ImageRejectionReason ReasonFor(byte[] encoded, ImageLimits? limits = null) =>
        Assert.Throws<ImageRejectedException>(() => Create(limits).Preprocess(encoded)).Reason;

    [Fact]
    public void Preprocess_ZeroBytes_RejectsAsEmpty() =>
        Assert.Equal(ImageRejectionReason.Empty, ReasonFor([]));

    [Fact]
    public void Preprocess_MoreBytesThanTheLimit_RejectsAsTooManyBytes() =>
        Assert.Equal(ImageRejectionReason.TooManyBytes, ReasonFor(ReferenceFixtures.Bytes("gray.jpg"), new ImageLimits { MaxEncodedBytes = 1000 }));

    [Fact]
    public async Task PreprocessAsync_EndlessStream_RejectsAfterReadingLimitPlusOneBytes()
    {
        using var endless = new EndlessStream();

        var rejection = await Assert.ThrowsAsync<ImageRejectedException>(
            () => Create(new ImageLimits { MaxEncodedBytes = 100_000 }).PreprocessAsync(endless, CancellationToken.None));

        Assert.Equal(ImageRejectionReason.TooManyBytes, rejection.Reason);
        Assert.Equal(100_001, endless.BytesRead);
    }

    [Fact]
    public void Preprocess_Text_RejectsAsUnknownFormat() =>
        Assert.Equal(ImageRejectionReason.UnknownFormat, ReasonFor(Encoding.UTF8.GetBytes("This is not an image, just some text.\n")));

    [Fact]
    public void Preprocess_RandomBytes_RejectsAsUnknownFormat()
    {
        var noise = new byte[4096];
        new Random(42).NextBytes(noise);

        Assert.Equal(ImageRejectionReason.UnknownFormat, ReasonFor(noise));
    }

    [Theory]
    [InlineData("photo_baseline.jpg", 0.5)]
    [InlineData("photo_baseline.jpg", 0.98)]
    [InlineData("photo_progressive.jpg", 0.6)]
    [InlineData("alpha_rgba.png", 0.5)]
    [InlineData("rgb16.png", 0.98)]
    [InlineData("animated.gif", 0.1)]
    [InlineData("photo.webp", 0.7)]
    [InlineData("tall.bmp", 0.5)]
    public void Preprocess_TruncatedFile_RejectsAsCorrupt(string image, double kept)
    {
        var bytes = ReferenceFixtures.Bytes(image);

        Assert.Equal(ImageRejectionReason.Corrupt, ReasonFor(bytes[..(int)(bytes.Length * kept)]));
    }

    [Fact]
    public void Preprocess_PngSignatureFollowedByGarbage_RejectsAsCorrupt()
    {
        var bytes = ReferenceFixtures.Bytes("palette.png");
        new Random(7).NextBytes(bytes.AsSpan(40));

        Assert.Equal(ImageRejectionReason.Corrupt, ReasonFor(bytes));
    }

    [Fact]
    public void Preprocess_PngDeclaring100000By100000_RejectsAsTooManyPixelsWithoutAllocatingThem()
    {
        var header = HostileImages.PngHeader(100_000, 100_000);
        var preprocessor = Create();
        var before = GC.GetAllocatedBytesForCurrentThread();

        var rejection = Assert.Throws<ImageRejectedException>(() => preprocessor.Preprocess(header));

        Assert.Equal(ImageRejectionReason.TooManyPixels, rejection.Reason);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 16 * 1024 * 1024);
    }

    [Fact]
    public void Preprocess_SideLongerThanMaxDimension_RejectsAsDimensionTooLarge() =>
        Assert.Equal(ImageRejectionReason.DimensionTooLarge, ReasonFor(HostileImages.PngHeader(30_000, 1)));

    [Fact]
    public void Preprocess_AspectRatioThatWouldResizeBeyondMaxPixels_RejectsAsTooManyPixels()
    {
        using var sliver = new Image<Rgb24>(20_000, 1);
        using var png = new MemoryStream();
        sliver.SaveAsPng(png);

        Assert.Equal(ImageRejectionReason.TooManyPixels, ReasonFor(png.ToArray()));
    }

    [Fact]
    public void Preprocess_GifWithMoreFramesThanMaxFrames_RejectsAsTooManyFrames() =>
        Assert.Equal(ImageRejectionReason.TooManyFrames, ReasonFor(HostileImages.AnimatedGif(150), new ImageLimits { MaxFrames = 100 }));

    [Fact]
    public void Preprocess_GifWithinMaxFrames_DecodesTheFirstFrame()
    {
        var tensor = Create(new ImageLimits { MaxFrames = 100 }).Preprocess(HostileImages.AnimatedGif(100));

        Assert.Equal(ReferenceFixtures.OpenAiConfig(64).TensorLength, tensor.Length);
    }
}
