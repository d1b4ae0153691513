using System.Diagnostics;
using Clip.Inference.Imaging;

namespace Clip.Benchmarks;

/// <summary>
/// What one core of the prepare stage can decode and preprocess, measured alone: one thread preprocessing a distinct
/// copy of every photo of the set (the bytes the worker gets) in turn for at least 3 s. File reads and downloads are
/// not included. <paramref name="ImagesPerCpuSecond"/> divides by the thread's own CPU time over the loop (the wall
/// time off Linux), which on a contested machine is less than the wall time.
/// </summary>
internal sealed record PrepareRate(double MeanMegapixels, double ImagesPerSecond, double ImagesPerCpuSecond)
{
    private static readonly TimeSpan MinimumTime = TimeSpan.FromSeconds(3);

    /// <exception cref="ImageRejectedException">A photo with its tag appended does not decode.</exception>
    public static PrepareRate Measure(ImagePreprocessor preprocessor, BenchmarkPhotos photos)
    {
        var copies = Enumerable.Range(0, photos.Photos.Count).Select(i => photos.Distinct("prepare", i)).ToArray();
        var tensor = new float[preprocessor.Config.TensorLength];
        var megapixels = 0.0;
        foreach (var copy in copies)
        {
            var size = preprocessor.Preprocess(copy.Bytes, tensor);
            megapixels += size.Width * (double)size.Height / 1e6;
        }

        var cpu = CpuSample.ThisThreadSeconds();
        var started = Stopwatch.GetTimestamp();
        var images = 0;
        while (Stopwatch.GetElapsedTime(started) < MinimumTime)
        {
            foreach (var copy in copies)
            {
                preprocessor.Preprocess(copy.Bytes, tensor);
                images++;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = CpuSample.ThisThreadSeconds() - cpu ?? elapsed;
        return new PrepareRate(megapixels / copies.Length, images / elapsed, images / cpuSeconds);
    }
}
