using System.Diagnostics;
using System.Globalization;

namespace Clip.Cli.Commands;

/// <summary>A progress line with rate and ETA, only when stderr is a terminal.</summary>
internal sealed class LabelProgress(int total)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly bool _enabled = !Console.IsErrorRedirected;

    public void Report(int done)
    {
        if (!_enabled || total == 0)
        {
            return;
        }

        var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var rate = done / Math.Max(seconds, 1e-3);
        var eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate) : TimeSpan.Zero;
        Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{done}/{total} images  {rate:0.0} images/s  ETA {eta:hh\\:mm\\:ss}   "));
    }

    public void Finish()
    {
        if (_enabled)
        {
            Console.Error.WriteLine();
        }
    }
}
