using System.Globalization;

namespace Clip.Benchmarks;

/// <summary>
/// CPU seconds since boot from /proc (all 0 where there is none, as off Linux): the whole machine at normal priority
/// and niced, idle, this process, and its direct children (Azurite); and one thread's CPU seconds. The harness, worker, broker, Azurite and PostgreSQL
/// all run at normal priority.
/// </summary>
internal sealed record CpuSample(double Normal, double Niced, double Idle, double Process, double Children)
{
    private const double ClockTicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture .NET runs on.

    public static CpuSample Now()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var processSeconds = self.TotalProcessorTime.TotalSeconds;
        if (!File.Exists("/proc/stat"))
        {
            return new CpuSample(0, 0, 0, processSeconds, 0);
        }

        // "cpu  user nice system idle iowait irq softirq steal guest ...": guest time is already counted in user.
        var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var normal = ticks[0] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
        return new CpuSample(
            normal / ClockTicksPerSecond, ticks[1] / ClockTicksPerSecond, (ticks[3] + ticks[4]) / ClockTicksPerSecond, processSeconds, ChildrenSeconds());
    }

    public static CpuSample operator -(CpuSample left, CpuSample right) => new(
        left.Normal - right.Normal, left.Niced - right.Niced, left.Idle - right.Idle, left.Process - right.Process, left.Children - right.Children);

    private static double ChildrenSeconds()
    {
        var parent = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        long ticks = 0;
        foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
        {
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // The process exited while we looked.
            }

            if (Fields(stat)[1] == parent)
            {
                ticks += UserAndSystemTicks(stat);
            }
        }

        return ticks / ClockTicksPerSecond;
    }

    /// <summary>CPU seconds the calling thread has used, or null where /proc does not say (off Linux).</summary>
    public static double? ThisThreadSeconds() =>
        File.Exists("/proc/thread-self/stat") ? UserAndSystemTicks(File.ReadAllText("/proc/thread-self/stat")) / ClockTicksPerSecond : null;

    // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so count fields after its closing parenthesis.
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static long UserAndSystemTicks(string stat)
    {
        var fields = Fields(stat);
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
