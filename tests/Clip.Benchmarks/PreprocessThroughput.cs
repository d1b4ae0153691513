using System.Diagnostics;
using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using Clip.Ingestion.Folders;
using Clip.TestUtilities;

namespace Clip.Benchmarks;

/// <summary>
/// <c>preprocess DIR... [--jpeg exact|fast] [--seconds S] [--model DIR] [--difference]</c>: single-thread decode + resize + crop +
/// normalise throughput per folder, and CPU per image (stable on a busy machine where wall time is not), printed in the format of <c>perf/pillow_preprocess.py</c> so the two can be
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
        var tensor = new float[preprocessor.Config.TensorLength];
        foreach (var folder in folders)
        {
            var files = Read(folder);
            var megapixels = 0.0;
            foreach (var file in files)
            {
                var size = preprocessor.Preprocess(file, tensor);
                megapixels += size.Width * size.Height / 1e6;
            }

            var images = 0;
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed.TotalSeconds < seconds)
            {
                foreach (var file in files)
                {
                    preprocessor.Preprocess(file, tensor);
                    images++;
                }
            }

            var elapsed = clock.Elapsed.TotalSeconds;

            // Process CPU, not this thread's: it also counts the JIT and the GC, so it can only overstate the cost.
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"dir={folder} mode={jpeg.ToString().ToLowerInvariant()} threads=1 files={files.Length} mean_mp={megapixels / files.Length:F3} images={images} seconds={elapsed:F3} images_per_s={images / elapsed:F1} ms_per_image={1000 * elapsed / images:F3} cpu_ms_per_image={cpu / images:F3}"));
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
