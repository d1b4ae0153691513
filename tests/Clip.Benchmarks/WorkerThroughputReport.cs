using System.Globalization;
using System.Runtime.InteropServices;
using Clip.Inference.Bundles;
using Clip.Inference.Imaging;
using Clip.Worker.Pipeline;

namespace Clip.Benchmarks;

/// <summary>What the worker harness prints: the setting, the headline rates, then the worker's own stage times and the machine's CPU.</summary>
internal sealed record WorkerThroughputReport(
    WorkerThroughputSettings Settings,
    BenchmarkPhotos Photos,
    ModelBundle Model,
    JpegBackend JpegBackend,
    IWorkerFeed Feed,
    FilledFeed Measured,
    WorkerRun Run,
    EncoderRates EncoderOnly,
    PrepareRate PrepareAlone)
{
    private static int Cores => Environment.ProcessorCount;

    public void Print()
    {
        var totals = Run.Totals;
        var wall = Run.Wall.TotalSeconds;
        var images = Settings.Images;
        var workerRate = images / wall;
        var prepare = Settings.EffectivePrepareConcurrency;
        var pipeline = new PipelineOptions();
        var jpeg = Settings.JpegDecode.ToString().ToLowerInvariant();
        Line($"worker throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Line($"machine: {Cores} logical cores (Environment.ProcessorCount), {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime on CPU; load average at the end {LoadAverage()}");
        Line($"model: {Model.ModelId} ({Model.DirectoryPath})");
        Line($"photos: {Photos.Photos.Count} files of {Photos.Folder}, mean {PrepareAlone.MeanMegapixels:0.00} MP, cycled with a tag appended to make {images} distinct images; JPEG decode {jpeg} by {JpegBackend}");
        Line($"source: {Feed.Description}");
        Line($"settings: db {Settings.Database.ToString().ToLowerInvariant()}, batch {Settings.BatchSize} (deadline {pipeline.BatchDeadline.TotalMilliseconds:0} ms), prepare {prepare}{(Settings.PrepareConcurrency == 0 ? " (one per core)" : "")}, taxonomy {pipeline.Taxonomy}");
        Line($"before the worker started: {Measured.Preparation}");
        Line($"excluded: a warm-up host over {WorkerThroughput.WarmUpImages} images of its own; the measured host's start (model load, cached class matrix) took {Run.Startup.TotalSeconds:0.00} s");
        Line($"clock: from the measured host's start returning until all {images} images were settled");
        Line($"");
        Line($"| rate | images/s |");
        Line($"|---|---|");
        Line($"| encoder only, batch {Settings.BatchSize}, right before the worker run | {EncoderOnly.Before:0.0} |");
        Line($"| encoder only, batch {Settings.BatchSize}, right after the worker run | {EncoderOnly.After:0.0} |");
        Line($"| encoder only, mean | {EncoderOnly.Mean:0.0} |");
        Line($"| worker | {workerRate:0.0} |");
        Line($"| worker / encoder only | {workerRate / EncoderOnly.Mean:0.00} |");
        Line($"| worker per core (worker / {Cores} cores; with a null-vision model: what the pipeline feeds an infinitely fast encoder, per core) | {workerRate / Cores:0.0} |");
        Line($"| worker per CPU second of this process{(Feed.ChildProcess is { } server ? $" and {server}" : "")} (per core, were nothing else running) | {images / (Run.Cpu.Process + Run.Cpu.Children):0.0} |");
        Line($"| prepare capacity per core, in the worker: images / (fetch + decode seconds summed over the prepare slots) | {images / (totals.FetchTime + totals.DecodeTime).TotalSeconds:0.0} |");
        Line($"| prepare capacity per core, alone: decode + preprocess on one thread, per CPU second ({PrepareAlone.ImagesPerSecond:0.0} per wall second) | {PrepareAlone.ImagesPerCpuSecond:0.0} |");
        Line($"");
        Line($"| metric | value |");
        Line($"|---|---|");
        Line($"| images | {images} ({totals.ImagesLabelled} labelled, {totals.ImagesFailed} failed, {totals.ImagesSkipped} skipped, {totals.ImagesGivenBack} given back, {Run.DeadLettered} dead-lettered) |");
        Line($"| wall | {wall:0.00} s |");
        Line($"| batches | {totals.Batches} (mean {(totals.Batches == 0 ? 0 : (double)totals.ImagesLabelled / totals.Batches):0.0} images) |");
        Line($"| encoder busy (encode / wall) | {Percent(totals.EncodeTime.TotalSeconds / wall)} |");
        Line($"| max images held | {totals.MaxImagesHeld} |");
        Line($"");
        Line($"| stage | summed s | ms per image | busy |");
        Line($"|---|---|---|---|");
        Stage("fetch (read or download)", totals.FetchTime, prepare);
        Stage("decode + preprocess", totals.DecodeTime, prepare);
        Stage("encode (one encoder)", totals.EncodeTime, 1);
        Stage("write (one writer)", totals.WriteTime, 1);
        Line($"");
        Line($"| CPU while measured | share of {Cores} cores | CPU ms per image |");
        Line($"|---|---|---|");
        var cpu = Run.Cpu;
        Cpu($"this process ({Feed.InProcess})", cpu.Process);
        if (Feed.ChildProcess is { } child)
        {
            Cpu($"{child} (child process)", cpu.Children);
        }

        Cpu("other processes at normal priority (PostgreSQL, ...)", cpu.Normal - cpu.Process - cpu.Children);
        Cpu("niced processes (other work on this machine)", cpu.Niced);
        Cpu("idle", cpu.Idle);

        if (totals.ImagesLabelled != images)
        {
            Line($"");
            Line($"INCOMPLETE: {images - totals.ImagesLabelled} of {images} images were not labelled (see the warnings above); these numbers do not measure throughput.");
        }

        void Cpu(string name, double seconds) =>
            Line($"| {name} | {Percent(seconds / wall / Cores)} | {seconds * 1000 / images:0.00} |");

        void Stage(string name, TimeSpan time, int workers) => Line(
            $"| {name} | {time.TotalSeconds:0.00} | {time.TotalMilliseconds / images:0.00} | {Percent(time.TotalSeconds / wall / workers)}{(workers > 1 ? $" of {workers} prepare slots" : "")} |");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string Percent(double fraction) => fraction.ToString("0%", CultureInfo.InvariantCulture);

    private static void Line(FormattableString line) => Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
