using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using Clip.Ingestion.Folders;
using Clip.TestUtilities;

namespace Clip.Benchmarks;

/// <summary>
/// <c>preprocess DIR... [--jpeg exact|fast] [--seconds S] [--model DIR] [--difference]</c>: single-thread decode + resize + crop +
/// normalise throughput per folder (<see cref="PrepareRate"/>), and the thread's CPU per image (steadier on a busy machine than wall
/// time), printed in the format of <c>perf/pillow_preprocess.py</c> so the two can be
/// compared line by line (<c>perf/compare_preprocess.py</c> runs both). With <c>--difference</c> it times nothing and
/// prints, per folder, how far the fast JPEG path's tensors land from the exact ones (mean and max |Δ|, normalised units).
/// </summary>
internal static class PreprocessThroughput
{
    public static int Run(string[] args)
    {
        var folders = new List<string>();
        var jpeg = JpegDecode.Exact;
        var seconds = 5.0;
        var model = TestPaths.BundledModel;
        var difference = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--jpeg":
                    jpeg = Enum.Parse<JpegDecode>(args[++i], ignoreCase: true);
                    break;
                case "--seconds":
                    seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--model":
                    model = args[++i];
                    break;
                case "--difference":
                    difference = true;
                    break;
                default:
                    folders.Add(args[i]);
                    break;
            }
        }

        if (folders.Count == 0)
        {
            Console.Error.WriteLine("usage: preprocess DIR... [--jpeg exact|fast] [--seconds S] [--model DIR]");
            return 2;
        }

        var config = ModelBundle.Load(model).Preprocessor;
        if (difference)
        {
            PrintDifferences(folders, config);
            return 0;
        }

        var preprocessor = new ImagePreprocessor(config, new ImageLimits { JpegDecode = jpeg });
        foreach (var folder in folders)
        {
            var files = Read(folder);
            var rate = PrepareRate.Measure(preprocessor, files, TimeSpan.FromSeconds(seconds));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"dir={folder} mode={jpeg.ToString().ToLowerInvariant()} threads=1 files={files.Length} mean_mp={rate.MeanMegapixels:F3} images={rate.Images} seconds={rate.Seconds:F3} images_per_s={rate.ImagesPerSecond:F1} ms_per_image={1000 / rate.ImagesPerSecond:F3} cpu_ms_per_image={1000 / rate.ImagesPerCpuSecond:F3}"));
        }

        return 0;
    }

    private static byte[][] Read(string folder) =>
        Directory.EnumerateFiles(folder).Where(ImageFileNames.HasImageExtension).Order(StringComparer.Ordinal).Select(File.ReadAllBytes).ToArray();

    private static void PrintDifferences(List<string> folders, PreprocessorConfig config)
    {
        var exact = new ImagePreprocessor(config, new ImageLimits { JpegDecode = JpegDecode.Exact });
        var fast = new ImagePreprocessor(config, new ImageLimits { JpegDecode = JpegDecode.Fast });
        foreach (var folder in folders)
        {
            var files = Read(folder);
            double sum = 0, max = 0;
            long count = 0;
            foreach (var file in files)
            {
                var a = exact.Preprocess(file);
                var b = fast.Preprocess(file);
                for (var i = 0; i < a.Length; i++)
                {
                    var delta = Math.Abs((double)a[i] - b[i]);
                    sum += delta;
                    max = Math.Max(max, delta);
                }

                count += a.Length;
            }

            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture, $"dir={folder} files={files.Length} fast_vs_exact_mean_abs={sum / count:F5} fast_vs_exact_max_abs={max:F5}"));
        }
    }
}
