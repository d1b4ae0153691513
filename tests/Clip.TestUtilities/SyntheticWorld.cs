using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.TestUtilities;

/// <summary>
/// The synthetic world the bundled tiny CLIP was trained on: one coloured shape on a noisy grey
/// background. A C# twin of tests/TinyClip/synthetic_world.py; keep the two in step.
/// </summary>
public static class SyntheticWorld
{
    public const int Size = 224;

    public static IReadOnlyDictionary<string, (byte R, byte G, byte B)> Colours { get; } =
        new Dictionary<string, (byte, byte, byte)>
        {
            ["red"] = (220, 30, 30),
            ["green"] = (30, 170, 40),
            ["blue"] = (30, 60, 220),
            ["yellow"] = (240, 220, 30),
            ["orange"] = (245, 140, 20),
            ["purple"] = (140, 40, 180),
            ["white"] = (245, 245, 245),
            ["black"] = (15, 15, 15),
        };

    public static IReadOnlyList<string> ColourNames { get; } = [.. Colours.Keys];

    public static IReadOnlyList<string> Shapes { get; } = ["circle", "square", "triangle", "star", "cross", "heart"];

    /// <summary>Colour–shape pairs the model never saw during training.</summary>
    public static IReadOnlyList<(string Colour, string Shape)> HeldOut { get; } =
    [
        ("red", "star"),
        ("green", "triangle"),
        ("blue", "circle"),
        ("yellow", "square"),
        ("purple", "cross"),
        ("orange", "heart"),
    ];

    public static IReadOnlyList<(string Colour, string Shape)> TrainingCombinations { get; } =
        [.. from c in ColourNames from s in Shapes where !HeldOut.Contains((c, s)) select (c, s)];

    /// <summary>Draws one scene; the same <paramref name="random"/> state gives the same picture.</summary>
    public static Image<Rgb24> Render(string colour, string shape, Random random, int width = Size, int height = Size)
    {
        ArgumentNullException.ThrowIfNull(random);
        var fill = Colours[colour];
        double scale = Math.Min(width, height);
        var grey = Uniform(random, 0.3, 0.7) * 255;
        double[] background = [grey + Uniform(random, -20, 20), grey + Uniform(random, -20, 20), grey + Uniform(random, -20, 20)];
        var cx = (width / 2.0) + (Uniform(random, -0.18, 0.18) * scale);
        var cy = (height / 2.0) + (Uniform(random, -0.18, 0.18) * scale);
        var radius = Uniform(random, 0.22, 0.36) * scale;
        var angle = shape is "heart" or "triangle" or "star" ? Uniform(random, -0.35, 0.35) : Uniform(random, 0, 2 * Math.PI);
        var (ca, sa) = (Math.Cos(angle), Math.Sin(angle));
        var polygon = Outline(shape).Select(p => (X: cx + (radius * ((p.X * ca) - (p.Y * sa))), Y: cy + (radius * ((p.X * sa) + (p.Y * ca))))).ToArray();
        double[] shapeColour = [fill.R + Uniform(random, -18, 18), fill.G + Uniform(random, -18, 18), fill.B + Uniform(random, -18, 18)];

        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var inside = Contains(polygon, x + 0.5, y + 0.5);
                var baseColour = inside ? shapeColour : background;
                image[x, y] = new Rgb24(
                    Clamp(baseColour[0] + Gaussian(random, 14)),
                    Clamp(baseColour[1] + Gaussian(random, 14)),
                    Clamp(baseColour[2] + Gaussian(random, 14)));
            }
        }

        return image;
    }

    public static IReadOnlyList<(double X, double Y)> Outline(string shape) => shape switch
    {
        "circle" => [.. Enumerable.Range(0, 48).Select(k => Polar(1, 2 * Math.PI * k / 48))],
        "square" => [.. Enumerable.Range(0, 4).Select(k => Polar(1, (Math.PI / 4) + (k * Math.PI / 2)))],
        "triangle" => [.. Enumerable.Range(0, 3).Select(k => Polar(1, (-Math.PI / 2) + (k * 2 * Math.PI / 3)))],
        "star" => [.. Enumerable.Range(0, 10).Select(k => Polar(k % 2 == 0 ? 1.0 : 0.42, (-Math.PI / 2) + (k * Math.PI / 5)))],
        "cross" => [(-0.32, -1), (0.32, -1), (0.32, -0.32), (1, -0.32), (1, 0.32), (0.32, 0.32), (0.32, 1), (-0.32, 1), (-0.32, 0.32), (-1, 0.32), (-1, -0.32), (-0.32, -0.32)],
        "heart" => [.. Enumerable.Range(0, 40).Select(k => Heart(2 * Math.PI * k / 40))],
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };

    private static (double X, double Y) Polar(double r, double a) => (r * Math.Cos(a), r * Math.Sin(a));

    private static (double X, double Y) Heart(double t)
    {
        var x = 16 * Math.Pow(Math.Sin(t), 3);
        var y = (13 * Math.Cos(t)) - (5 * Math.Cos(2 * t)) - (2 * Math.Cos(3 * t)) - Math.Cos(4 * t);
        return (x / 17, -(y + 2.5) / 17);
    }

    private static bool Contains((double X, double Y)[] polygon, double x, double y)
    {
        var inside = false;
        for (int i = 0, j = polygon.Length - 1; i < polygon.Length; j = i++)
        {
            var (xi, yi) = polygon[i];
            var (xj, yj) = polygon[j];
            if ((yi > y) != (yj > y) && x < ((xj - xi) * (y - yi) / (yj - yi)) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    private static double Uniform(Random random, double low, double high) => low + (random.NextDouble() * (high - low));

    private static double Gaussian(Random random, double sigma)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return sigma * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Floor(v + 0.5), 0, 255);
}
