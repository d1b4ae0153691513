using System.Diagnostics;
using System.Globalization;
using Clip.Ingestion.Folders;
using Clip.Worker.Telemetry;

namespace Clip.Benchmarks;

/// <summary>
/// The embedded mode: each host watches a fresh folder of distinct image files, scanned every 50 ms and taken once
/// 50 ms old. A host is done when every file's result (label or failure) is committed to the database.
/// </summary>
internal sealed class FolderFeed(string root, BenchmarkPhotos photos) : IWorkerFeed
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan SettleTime = TimeSpan.FromMilliseconds(50);

    public IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Clip:Folder:PollInterval"] = PollInterval.ToString("c", CultureInfo.InvariantCulture),
        ["Clip:Folder:SettleTime"] = SettleTime.ToString("c", CultureInfo.InvariantCulture),
    };

    public string InProcess => "worker, harness";

    public string? ChildProcess => null;

    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"folder, scanned every {PollInterval.TotalMilliseconds:0} ms, files taken {SettleTime.TotalMilliseconds:0} ms after their last write, {new FolderSourceOptions().MaxFilesInFlight} files in flight");

    /// <summary>Writes <paramref name="count"/> distinct image files into a new folder.</summary>
    public async Task<FilledFeed> FillAsync(string run, int count)
    {
        var name = run + Guid.NewGuid().ToString("N")[..12];
        var folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            var image = photos.Distinct(name, i);
            await File.WriteAllBytesAsync(Path.Combine(folder, image.Name), image.Bytes);
        }

        return new FilledFolder(folder, count, Stopwatch.GetElapsedTime(started));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class FilledFolder(string folder, int count, TimeSpan write) : FilledFeed
    {
        private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(10);

        public override IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?> { ["Clip:Folder:Path"] = folder };

        public override string Preparation => string.Create(CultureInfo.InvariantCulture, $"{count} distinct files written in {write.TotalSeconds:0.0} s");

        public override int DeadLettered => 0;

        /// <summary>The pipeline counts an image labelled or failed only once its result is committed; a skipped one was already there.</summary>
        public override async Task WaitUntilDoneAsync(WorkerTelemetry telemetry, TimeSpan patience)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(patience.TotalSeconds * Stopwatch.Frequency);
            while (telemetry.Totals() is var totals && totals.ImagesLabelled + totals.ImagesFailed + totals.ImagesSkipped < count)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"The worker did not record all {count} images of {folder} within {patience}: {totals}.");
                }

                await Task.Delay(CheckInterval);
            }
        }
    }
}
