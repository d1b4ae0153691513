using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Tests.Imaging;

/// <summary>
/// Pins the preprocessor's output bit for bit on a generated corpus (formats, PIL modes, EXIF orientations,
/// upscales, extreme aspect ratios, every filter, crops smaller and larger than the resize) so that
/// optimisations cannot change a single float. The hashes in golden/tensors.json were written by the
/// scalar implementation whose parity with Pillow the reference tests establish; regenerate only for
/// an intended change: <c>CLIP_WRITE_GOLDEN=1 dotnet test --filter ImagePreprocessorGoldenTests</c>.
/// </summary>
public sealed class ImagePreprocessorGoldenTests
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "Imaging", "golden", "tensors.json");
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static TheoryData<string> Cases => new(GoldenCorpus.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Preprocess_GoldenCorpus_MatchesPinnedBytes(string name)
    {
        Assert.True(LibjpegTurbo.IsAvailable, "libturbojpeg.so.0 is required (tests/run-all.sh installs libturbojpeg0)");
        var expected = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(GoldenPath))!;

        var actual = GoldenCorpus.Hash(GoldenCorpus.Cases.Single(c => c.Name == name));

        Assert.Equal(expected[name], actual);
    }

    [Fact]
    public void GoldenFile_CoversEveryCase_NoStaleEntries()
    {
        if (Environment.GetEnvironmentVariable("CLIP_WRITE_GOLDEN") == "1")
        {
            var hashes = GoldenCorpus.Cases.ToDictionary(c => c.Name, GoldenCorpus.Hash);
            var source = Path.Combine(ProjectDirectory(), "Imaging", "golden", "tensors.json");
            File.WriteAllText(source, JsonSerializer.Serialize(new SortedDictionary<string, string>(hashes), Indented) + "\n");
        }

        var pinned = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(GoldenPath))!;
        Assert.Equal(GoldenCorpus.Cases.Select(c => c.Name).Order(), pinned.Keys.Order());
    }

    private static string ProjectDirectory()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Clip.Inference.Tests.csproj")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new DirectoryNotFoundException("Clip.Inference.Tests.csproj not found above the test binaries.");
    }
}

/// <summary>The generated images and preprocessing configurations the golden hashes cover.</summary>
internal static class GoldenCorpus
{
    private static readonly float[] Mean = [0.48145466f, 0.4578275f, 0.40821073f];
    private static readonly float[] Std = [0.26862954f, 0.26130258f, 0.27577711f];

    public static readonly IReadOnlyList<GoldenCase> Cases = Build();

    public static string Hash(GoldenCase golden)
    {
        var preprocessor = new ImagePreprocessor(golden.Config, new ImageLimits { JpegDecode = JpegDecode.Exact });
        var tensor = preprocessor.Preprocess(golden.Encoded());
        var bytes = new byte[tensor.Length * sizeof(float)];
        Buffer.BlockCopy(tensor, 0, bytes, 0, bytes.Length);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static List<GoldenCase> Build()
    {
        var configs = new (string Name, PreprocessorConfig Config)[]
        {
            ("bicubic224", Config(224, 224, 224, ResampleFilter.Bicubic)),
            ("bicubic256crop224", Config(256, 224, 224, ResampleFilter.Bicubic)),
            ("bicubic48crop64", Config(48, 64, 64, ResampleFilter.Bicubic)),
            ("bilinear96crop80x64", Config(96, 80, 64, ResampleFilter.Bilinear)),
            ("lanczos64", Config(64, 64, 64, ResampleFilter.Lanczos)),
            ("nearest64", Config(64, 64, 64, ResampleFilter.Nearest)),
        };

        var images = new (string Name, Func<byte[]> Encode)[]
        {
            ("jpeg420_403x301", () => Jpeg(403, 301, 1, JpegColorType.YCbCrRatio420)),
            ("jpeg444_301x403", () => Jpeg(301, 403, 2, JpegColorType.YCbCrRatio444)),
            ("jpeg_1600x1200", () => Jpeg(1600, 1200, 3, JpegColorType.YCbCrRatio420)),
            ("jpeg_1000x40", () => Jpeg(1000, 40, 4, JpegColorType.YCbCrRatio420)),
            ("jpeg_gray_120x90", () => Encode(Noise<L8>(120, 90, 5), new JpegEncoder { Quality = 90, ColorType = JpegColorType.Luminance })),
            ("png_rgb_224x224", () => Png(Noise<Rgb24>(224, 224, 6), PngColorType.Rgb)),
            ("png_rgb_224x300", () => Png(Noise<Rgb24>(224, 300, 7), PngColorType.Rgb)),
            ("png_rgb_64x97", () => Png(Noise<Rgb24>(64, 97, 8), PngColorType.Rgb)),
            ("png_rgb_3x2", () => Png(Noise<Rgb24>(3, 2, 9), PngColorType.Rgb)),
            ("png_rgb_37x700", () => Png(Noise<Rgb24>(37, 700, 10), PngColorType.Rgb)),
            ("png_rgba_150x97", () => Png(Noise<Rgba32>(150, 97, 11), PngColorType.RgbWithAlpha)),
            ("png_rgba_64x64", () => Png(Noise<Rgba32>(64, 64, 12), PngColorType.RgbWithAlpha)),
            ("png_rgba_64x80", () => Png(Noise<Rgba32>(64, 80, 13), PngColorType.RgbWithAlpha)),
            ("png_palette_200x133", () => Png(Noise<Rgb24>(200, 133, 14), PngColorType.Palette)),
            ("png_gray_90x120", () => Png(Noise<L8>(90, 120, 15), PngColorType.Grayscale)),
            ("png_rgb48_77x50", () => Png(Noise<Rgb48>(77, 50, 16), PngColorType.Rgb)),
            ("bmp_41x83", () => Encode(Noise<Rgb24>(41, 83, 17), new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder())),
            ("gif_150x100", () => Encode(Noise<Rgb24>(150, 100, 18), new SixLabors.ImageSharp.Formats.Gif.GifEncoder())),
        };

        var cases = new List<GoldenCase>();
        foreach (var (imageName, encode) in images)
        {
            var encoded = new Lazy<byte[]>(encode);
            foreach (var (configName, config) in configs)
            {
                cases.Add(new GoldenCase($"{imageName}/{configName}", () => encoded.Value, config));
            }
        }

        for (ushort orientation = 1; orientation <= 8; orientation++)
        {
            var value = orientation;
            cases.Add(new GoldenCase(
                string.Create(CultureInfo.InvariantCulture, $"jpeg_exif{value}_160x90/bicubic48crop64"),
                () => Jpeg(160, 90, 19, JpegColorType.YCbCrRatio420, value),
                configs[2].Config));
        }

        return cases;
    }

    private static PreprocessorConfig Config(int shortestEdge, int cropHeight, int cropWidth, ResampleFilter filter) =>
        new(shortestEdge, cropHeight, cropWidth, Mean, Std, filter);

    private static byte[] Jpeg(int width, int height, int seed, JpegColorType colorType, ushort orientation = 0)
    {
        using var image = Noise<Rgb24>(width, height, seed);
        if (orientation != 0)
        {
            image.Metadata.ExifProfile = new ExifProfile();
            image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        }

        return Encode(image, new JpegEncoder { Quality = 90, ColorType = colorType });
    }

    private static byte[] Png<TPixel>(Image<TPixel> image, PngColorType colorType)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var bitDepth = typeof(TPixel) == typeof(Rgb48) ? PngBitDepth.Bit16 : PngBitDepth.Bit8;
        return Encode(image, new PngEncoder { ColorType = colorType, BitDepth = bitDepth });
    }

    private static byte[] Encode<TPixel>(Image<TPixel> image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        using (image)
        {
            using var stream = new MemoryStream();
            image.Save(stream, encoder);
            return stream.ToArray();
        }
    }

    /// <summary>Smooth gradients plus seeded noise: both the edges and the flat areas a resampler must get right.</summary>
    private static Image<TPixel> Noise<TPixel>(int width, int height, int seed)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        var random = new Random(seed);
        var image = new Image<TPixel>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var gradient = (float)(x + y) / (width + height);
                var pixel = default(TPixel);
                pixel.FromVector4(new System.Numerics.Vector4(
                    Math.Clamp(gradient + ((float)random.NextDouble() * 0.3f) - 0.15f, 0, 1),
                    Math.Clamp(1 - gradient + ((float)random.NextDouble() * 0.3f) - 0.15f, 0, 1),
                    (float)random.NextDouble(),
                    (x * 7 + y * 3) % 5 == 0 ? 0f : (float)random.NextDouble()));
                image[x, y] = pixel;
            }
        }

        return image;
    }
}

internal sealed record GoldenCase(string Name, Func<byte[]> Encoded, PreprocessorConfig Config);
