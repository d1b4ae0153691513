using System.Diagnostics;
using Clip.Inference.Imaging;

namespace Clip.Benchmarks;

/// <summary>
/// What one core of the prepare stage can decode and preprocess, measured alone: one thread preprocessing every image in
/// turn for at least a minimum time. File reads and downloads are not included. <paramref name="ImagesPerCpuSecond"/>
/// divides by the thread's own CPU time over the loop (the wall time off Linux), which on a contested machine is less
/// than the wall time.
/// </summary>
internal sealed record PrepareRate(double MeanMegapixels, int Images, double Seconds, double ImagesPerSecond, double ImagesPerCpuSecond)
{
    private static readonly TimeSpan WorkerHarnessTime = TimeSpan.FromSeconds(3);

    /// <summary>The worker harness's figure: a distinct copy of every photo of the set (the bytes the worker gets), for 3 s.</summary>
    /// <exception cref="ImageRejectedException">A photo with its tag appended does not decode.</exception>
    public static PrepareRate Measure(ImagePreprocessor preprocessor, BenchmarkPhotos photos) =>
        Measure(preprocessor, [.. Enumerable.Range(0, photos.Photos.Count).Select(i => photos.Distinct("prepare", i).Bytes)], WorkerHarnessTime);

    /// <exception cref="ImageRejectedException">An image does not decode.</exception>
    public static PrepareRate Measure(ImagePreprocessor preprocessor, IReadOnlyList<byte[]> images, TimeSpan minimum)
    {
        var tensor = new float[preprocessor.Config.TensorLength];
        var megapixels = 0.0;
        foreach (var image in images)
        {
            var size = preprocessor.Preprocess(image, tensor);
            megapixels += size.Width * (double)size.Height / 1e6;
        }

        var cpu = CpuSample.ThisThreadSeconds();
        var started = Stopwatch.GetTimestamp();
        var count = 0;
        while (Stopwatch.GetElapsedTime(started) < minimum)
        {
            foreach (var image in images)
            {
                preprocessor.Preprocess(image, tensor);
                count++;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = CpuSample.ThisThreadSeconds() - cpu ?? elapsed;
        return new PrepareRate(megapixels / images.Count, count, elapsed, count / elapsed, count / cpuSeconds);
    }
}
