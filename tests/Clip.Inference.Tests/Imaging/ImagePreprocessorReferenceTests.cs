using System.Globalization;
using Clip.Inference.Imaging;
using Xunit.Abstractions;

namespace Clip.Inference.Tests.Imaging;

public sealed class ImagePreprocessorReferenceTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => new(ReferenceFixtures.Names);

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Preprocess_ReferenceFixture_MatchesTorchvision(string image)
    {
        var fixture = ReferenceFixtures.Get(image);
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(fixture.Size), new ImageLimits { JpegDecode = JpegDecode.Exact });

        var actual = preprocessor.Preprocess(ReferenceFixtures.Bytes(image));

        var difference = TensorDifference.Between(actual, fixture.ReadTensor());
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture, $"{image} ({fixture.PilMode}, {fixture.Size}px): mean {difference.Mean:F6} max {difference.Max:F6}"));
        Assert.True(difference.Mean < TensorDifference.MeanBound, $"mean absolute difference {difference.Mean}");
        Assert.True(difference.Max < TensorDifference.MaxBound, $"max absolute difference {difference.Max}");
    }

    [Fact]
    public void Preprocess_CropShiftedByOnePixel_FailsTheBounds()
    {
        var fixture = ReferenceFixtures.Get("photo_baseline.jpg");
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(fixture.Size), new ImageLimits { JpegDecode = JpegDecode.Exact });
        var actual = preprocessor.Preprocess(ReferenceFixtures.Bytes(fixture.Image));
        var expected = fixture.ReadTensor();

        var difference = TensorDifference.Between(ShiftLeft(actual, fixture.Size), ShiftLeft(expected, fixture.Size, shift: 0));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one-pixel shift: mean {difference.Mean:F6} max {difference.Max:F6}"));
        Assert.False(difference.WithinBounds);
    }

    /// <summary>The tensor as if the crop had started <paramref name="shift"/> columns further right, minus the last columns.</summary>
    private static float[] ShiftLeft(float[] chw, int size, int shift = 1)
    {
        var width = size - 1;
        var result = new float[3 * size * width];
        for (var row = 0; row < 3 * size; row++)
        {
            Array.Copy(chw, (row * size) + shift, result, row * width, width);
        }

        return result;
    }
}
