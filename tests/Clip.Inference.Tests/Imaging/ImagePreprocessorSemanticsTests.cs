using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Tests.Imaging;

public sealed class ImagePreprocessorSemanticsTests
{
    private static byte[] Png<TPixel>(int width, int height, TPixel fill)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using var image = new Image<TPixel>(width, height, fill);
        using var png = new MemoryStream();
        image.SaveAsPng(png);
        return png.ToArray();
    }

    [Fact]
    public void RenderCrop_TransparentPixelsWithColour_KeepTheirColourNotComposited()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits());

        using var crop = preprocessor.RenderCrop(Png(64, 64, new Rgba32(200, 50, 10, 0)));

        Assert.Equal(new Rgb24(200, 50, 10), crop[17, 40]);
    }

    [Fact]
    public void RenderCrop_SixteenBitPng_KeepsTheHighByteAsPillowDoes()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits());

        // 0x80FF / 257 rounds to 129; Pillow keeps the high byte, 128.
        using var crop = preprocessor.RenderCrop(Png(64, 64, new Rgb48(0x80FF, 0x00FF, 0xFFFF)));

        Assert.Equal(new Rgb24(128, 0, 255), crop[0, 0]);
    }

    [Fact]
    public void Preprocess_CropLargerThanResizedImage_PadsWithBlack()
    {
        var config = ReferenceFixtures.OpenAiConfig(32) with { CropWidth = 40, CropHeight = 40 };
        var preprocessor = new ImagePreprocessor(config, new ImageLimits());

        var tensor = preprocessor.Preprocess(Png(32, 32, new Rgb24(255, 255, 255)));

        Assert.Equal(-config.Mean[0] / config.Std[0], tensor[0], 6);
        Assert.Equal((1f - config.Mean[0]) / config.Std[0], tensor[(20 * 40) + 20], 6);
    }

    [Theory]
    [InlineData(299, 224, 38)] // 37.5 rounds to even
    [InlineData(301, 224, 38)] // 38.5 rounds to even
    [InlineData(225, 224, 0)] // 0.5 rounds to even
    [InlineData(224, 224, 0)]
    [InlineData(219, 224, -2)] // padded by (224 - 219) // 2 before
    public void Offset_HalfPixel_RoundsHalfToEvenAsPython(int size, int crop, int expected) =>
        Assert.Equal(expected, CenterCrop.Offset(size, crop));

    [Fact]
    public void Preprocess_DestinationOfWrongLength_ThrowsArgumentException()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits());

        Assert.Throws<ArgumentException>(() => preprocessor.Preprocess(ReferenceFixtures.Bytes("gray.jpg"), new float[10]));
    }

    [Fact]
    public async Task PreprocessAsync_Stream_MatchesSpanOverload()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits());
        var bytes = ReferenceFixtures.Bytes("photo.webp");
        using var stream = new MemoryStream(bytes);

        Assert.Equal(preprocessor.Preprocess(bytes), await preprocessor.PreprocessAsync(stream, CancellationToken.None));
    }

    [Fact]
    public void Preprocess_ConcurrentCallsOnOneInstance_GiveIdenticalTensors()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(64), new ImageLimits());
        var bytes = ReferenceFixtures.Bytes("photo_progressive.jpg");
        var expected = preprocessor.Preprocess(bytes);

        var results = new float[8][];
        Parallel.For(0, results.Length, i => results[i] = preprocessor.Preprocess(bytes));

        Assert.All(results, result => Assert.Equal(expected, result));
    }

    [Fact]
    public void Constructor_TwoMeans_ThrowsArgumentException() =>
        Assert.Throws<ArgumentException>(() => new ImagePreprocessor(
            new PreprocessorConfig(64, 64, 64, [0.5f, 0.5f], [0.5f, 0.5f, 0.5f], ResampleFilter.Bicubic), new ImageLimits()));
}
