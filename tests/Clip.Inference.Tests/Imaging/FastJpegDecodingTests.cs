using System.Globalization;
using Clip.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Clip.Inference.Tests.Imaging;

public sealed class FastJpegDecodingTests(ITestOutputHelper output)
{
    private static ImagePreprocessor Create(JpegDecode mode) =>
        new(ReferenceFixtures.OpenAiConfig(224), new ImageLimits { JpegDecode = mode });

    [Theory]
    [InlineData(4032, 3024, 1008, 756)] // a phone photo: 1/4 keeps 756 ≥ 448, 1/8 would leave 378
    [InlineData(1920, 1440, 960, 720)] // 1/2
    [InlineData(3600, 1800, 900, 450)] // 1/4 leaves exactly 450
    [InlineData(1801, 1799, 451, 450)] // libjpeg rounds scaled sides up
    [InlineData(1000, 800, 1000, 800)] // 1/2 would leave 400 < 448: decoded whole
    public void LibjpegTurboDecoder_DraftShortSide_DecodesAtTheSmallestScaleThatKeepsIt(int width, int height, int expectedWidth, int expectedHeight)
    {
        using var image = LibjpegTurboDecoder.TryDecode(Photo(width, height), draftShortSide: 448, (_, _) => { })!;

        Assert.Equal((expectedWidth, expectedHeight), (image.Width, image.Height));
        Assert.Equal(new ImageSize(width, height), image.Source);
    }

    [Fact]
    public void Preprocess_FastOnAPhoto_StaysCloseToExact()
    {
        var jpeg = Photo(2400, 1800);

        var exact = Create(JpegDecode.Exact).Preprocess(jpeg);
        var fast = Create(JpegDecode.Fast).Preprocess(jpeg);

        var difference = TensorDifference.Between(fast, exact);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"2400x1800 fast vs exact: mean {difference.Mean:F5} max {difference.Max:F5}"));
        Assert.NotEqual(exact, fast);
        Assert.True(difference.Mean < 0.02, $"mean absolute difference {difference.Mean}");
    }

    [Fact]
    public void Preprocess_FastOnAJpegUnderTwiceTheTarget_IsExact()
    {
        var jpeg = ReferenceFixtures.Bytes("photo_baseline.jpg");

        Assert.Equal(Create(JpegDecode.Exact).Preprocess(jpeg), Create(JpegDecode.Fast).Preprocess(jpeg));
    }

    [Fact]
    public void Preprocess_FastOnARotatedPhoto_ReportsTheFullUprightSize()
    {
        var jpeg = Photo(1920, 1080, orientation: 6);
        var tensor = new float[3 * 224 * 224];

        var size = Create(JpegDecode.Fast).Preprocess(jpeg, tensor);

        Assert.Equal(new ImageSize(1080, 1920), size);
    }

    /// <summary>Smooth colour fields with a few hard edges and mild noise, like a photograph more than like noise.</summary>
    private static byte[] Photo(int width, int height, ushort orientation = 0)
    {
        var random = new Random(width ^ height);
        using var image = new Image<Rgb24>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    double u = (double)x / width, v = (double)y / height;
                    var disc = Math.Pow(u - 0.3, 2) + Math.Pow(v - 0.6, 2) < 0.03;
                    var noise = random.Next(-4, 5);
                    row[x] = disc
                        ? new Rgb24(250, 240, 30)
                        : new Rgb24(
                            Channel(127 + (120 * Math.Sin((6 * u) + (2 * v))) + noise),
                            Channel((255 * v * (0.6 + (0.4 * Math.Cos(8 * u * v)))) + noise),
                            Channel((255 * (1 - u) * (0.5 + (0.5 * Math.Sin(5 * (u - v))))) + noise));
                }
            }
        });
        if (orientation != 0)
        {
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        }

        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream, new JpegEncoder { Quality = 90 });
        return stream.ToArray();
    }

    private static byte Channel(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);
}
