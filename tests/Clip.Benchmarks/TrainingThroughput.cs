using System.Diagnostics;
using System.Globalization;
using Clip.Training;
using Clip.Training.Tests;

namespace Clip.Benchmarks;

/// <summary>
/// Times the retraining head trainer at production shape: N feedback rows of 512-dimensional embeddings over 1000
/// classes, 10 epochs without early stopping (HeadTrainingWorkload). One size per process, so the peak working set
/// belongs to that size: <c>-- training --rows 10000</c>, then <c>--rows 100000</c>.
/// </summary>
internal static class TrainingThroughput
{
    public static int Run(string[] args)
    {
        var rows = 10_000;
        if (args is ["--rows", var text] && int.TryParse(text, CultureInfo.InvariantCulture, out var parsed) && parsed >= 2)
        {
            rows = parsed;
        }
        else if (args.Length > 0)
        {
            Console.Error.WriteLine("usage: training [--rows N]");
            return 2;
        }

        var options = new HeadTrainingOptions { MaxEpochs = 10, Patience = int.MaxValue };
        var (training, validation, zeroShot) = HeadTrainingWorkload.Create(rows, seed: options.Seed);
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        var started = Stopwatch.GetTimestamp();
        var head = HeadTrainer.Train(training, validation, zeroShot, 100f, 1000, 512, options);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var process = Process.GetCurrentProcess();
        var invariant = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(invariant, $"head training, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, CPU (TorchSharp-cpu), float64 training"));
        Console.WriteLine(string.Create(invariant, $"| rows (train + validation) | {training.Length} + {validation.Length} |"));
        Console.WriteLine("| shape | 512 dimensions × 1000 classes, batch 256 |");
        Console.WriteLine(string.Create(invariant, $"| epochs | {head.Epochs} |"));
        Console.WriteLine(string.Create(invariant, $"| wall | {elapsed.TotalSeconds:F1} s ({elapsed.TotalSeconds / Math.Max(1, head.Epochs):F2} s per epoch) |"));
        Console.WriteLine(string.Create(invariant, $"| rows per second (training) | {training.Length * head.Epochs / elapsed.TotalSeconds:F0} |"));
        Console.WriteLine(string.Create(invariant, $"| peak working set (whole process) | {process.PeakWorkingSet64 / (1024.0 * 1024):F0} MiB (before training: {baseline / (1024.0 * 1024):F0} MiB) |"));
        Console.WriteLine(string.Create(invariant, $"| embeddings in memory | {(long)rows * 512 * sizeof(float) / (1024.0 * 1024):F0} MiB |"));
        return 0;
    }
}
