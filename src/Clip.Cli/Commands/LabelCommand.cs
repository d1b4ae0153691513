using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Ingestion.Folders;
using Clip.Labeling;
using Clip.Persistence;
using Microsoft.Extensions.Logging;

namespace Clip.Cli.Commands;

/// <summary>
/// <c>clip label</c>: labels every image under the given paths with a taxonomy and writes the results
/// to SQL (a SQLite file by default). Images already labelled with the same model and taxonomy are skipped.
/// </summary>
internal static class LabelCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("path") { Arity = ArgumentArity.OneOrMore, Description = "Image files and folders (searched recursively for image files)" };
        var taxonomyOption = new Option<string>("--taxonomy")
        {
            Description = "A shipped taxonomy's name or a taxonomy file",
            DefaultValueFactory = _ => "tiny-shapes",
        };
        var db = ResultsDatabase.Option();
        var batch = new Option<int>("--batch") { Description = "Images per encoder batch and per database transaction", DefaultValueFactory = _ => 32 };
        var json = new Option<bool>("--json") { Description = "Stream one JSON result per image to stdout" };
        var headOption = new Option<string>("--head")
        {
            Description = "The classifier head: promoted (the one promoted for this model and taxonomy, as the worker uses; zero-shot when none is), zero-shot, or a head version",
            DefaultValueFactory = _ => "promoted",
        };
        var model = CommonOptions.Model();
        var jpegDecode = CommonOptions.JpegDecode();
        var device = CommonOptions.Device();
        var command = new Command("label", "Label images with a taxonomy and write the results to SQL") { paths, taxonomyOption, headOption, db, batch, json, model, device, jpegDecode };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var batchSize = result.GetValue(batch);
            if (batchSize is < 1 or > 4096)
            {
                throw new CommandInputException("--batch must be between 1 and 4096");
            }

            var files = FindImages(result.GetValue(paths)!);
            using var loggers = CliLogging.CreateFactory();
            var limits = new ImageLimits { JpegDecode = result.GetValue(jpegDecode) };
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device) }, limits, loggers);
            var cache = new ClassMatrixCache(ZeroShotOptions.DefaultCacheDirectory(), loggers.CreateLogger<ClassMatrixCache>());
            var engine = LabelingEngine.Create(clip, result.GetValue(taxonomyOption)!, cache);
            await using var store = new LabelStore(Database(result.GetValue(db)!), loggers.CreateLogger<LabelStore>());
            await store.MigrateAsync(cancellationToken);
            await UseHeadAsync(engine, HeadChoice.Parse(result.GetValue(headOption)!), store, cancellationToken);
            var labeller = new Labeller(engine, limits, batchSize);

            var summary = new LabelSummary();
            var progress = new Progress(files.Count);
            foreach (var chunk in files.Chunk(batchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var outcomes = await labeller.LabelAsync(chunk, store, summary, cancellationToken);
                await store.WriteBatchAsync(outcomes, cancellationToken);
                if (result.GetValue(json))
                {
                    foreach (var outcome in outcomes)
                    {
                        Console.Out.WriteLine(JsonSerializer.Serialize(LabelOutput.From(outcome), CliJson.Output.LabelOutput));
                    }
                }

                progress.Report(summary.Processed);
            }

            progress.Finish();
            summary.Print(Console.Error, engine);
            return summary.Failed == 0 ? 0 : CommandFailure.Failed;
        }));
        return command;
    }

    private static async Task UseHeadAsync(LabelingEngine engine, HeadChoice choice, LabelStore store, CancellationToken cancellationToken)
    {
        try
        {
            await engine.UseHeadAsync(choice, store, cancellationToken);
        }
        catch (Exception e) when (e is UnknownHeadException or ArgumentException or InvalidDataException)
        {
            throw new CommandInputException($"--head {choice.Version ?? choice.Kind.ToString()}: {e.Message}");
        }
    }

    internal static PersistenceOptions Database(string value)
    {
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return new PersistenceOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = $"Data Source={Path.GetFullPath(value)}" };
        }

        var sqlite = value.Contains("Data Source", StringComparison.OrdinalIgnoreCase) || value.Contains("DataSource", StringComparison.OrdinalIgnoreCase);
        return new PersistenceOptions { Provider = sqlite ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres, ConnectionString = value };
    }

    private static List<FileInfo> FindImages(IEnumerable<string> paths)
    {
        var files = new List<FileInfo>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(new FileInfo(path));
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(new DirectoryInfo(path)
                    .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                    .Where(f => ImageFileNames.HasImageExtension(f.Name))
                    .OrderBy(f => f.FullName, StringComparer.Ordinal));
            }
            else
            {
                throw new CommandInputException($"{path}: no such file or folder");
            }
        }

        return files;
    }

    /// <summary>
    /// Turns a chunk of files into outcomes, labelled, failed, or nothing for files already labelled, with the
    /// worker's labeling core: the same state, the same rows, the same failure reasons.
    /// </summary>
    private sealed class Labeller(LabelingEngine engine, ImageLimits limits, int batchSize)
    {
        private readonly ImageBatch _batch = new(engine.Model, batchSize);

        public async Task<List<ImageOutcome>> LabelAsync(FileInfo[] files, LabelStore store, LabelSummary summary, CancellationToken cancellationToken)
        {
            var state = engine.State;
            var accepted = new List<(LabelSource Source, double DecodeMs)>();
            var outcomes = new List<ImageOutcome>();
            foreach (var file in files)
            {
                var uri = LocalImageKey.SourceUri(file.FullName);
                var started = Stopwatch.GetTimestamp();
                byte[] bytes;
                try
                {
                    bytes = await LocalImageFile.ReadAsync(file, limits.MaxEncodedBytes, cancellationToken);
                }
                catch (ImageFetchException e)
                {
                    outcomes.Add(summary.Fail(new FailedImage(uri, null, FailureStage.Download, e.Reason, e.Message)));
                    continue;
                }

                var hash = LocalImageKey.ContentHash(bytes);
                if (await store.IsLabelledAsync(uri, hash, engine.ModelId, state.Taxonomy.Version, state.Classifier.HeadVersion, cancellationToken))
                {
                    summary.Skip();
                    continue;
                }

                try
                {
                    var size = _batch.Add(bytes);
                    accepted.Add((new LabelSource(uri, hash, bytes.LongLength, size), Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
                catch (ImageRejectedException e)
                {
                    outcomes.Add(summary.Fail(new FailedImage(uri, hash, FailureStage.Decode, e.ReasonCode, e.Message)));
                }
            }

            if (accepted.Count == 0)
            {
                return outcomes;
            }

            var encodeStarted = Stopwatch.GetTimestamp();
            var embeddings = _batch.Encode();
            var encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds / accepted.Count;
            for (var i = 0; i < accepted.Count; i++)
            {
                var (source, decodeMs) = accepted[i];
                var labelled = engine.Label(state, source, embeddings.Row(i), new StageTimings(decodeMs, encodeMs, decodeMs + encodeMs));
                outcomes.Add(labelled);
                summary.Label(labelled);
            }

            return outcomes;
        }
    }

    /// <summary>What one run did, printed at the end.</summary>
    private sealed class LabelSummary
    {
        private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

        public int Processed { get; private set; }

        public int Failed { get; private set; }

        private int Labelled { get; set; }

        private int Abstained { get; set; }

        private int Skipped { get; set; }

        public void Skip()
        {
            Skipped++;
            Processed++;
        }

        public FailedImage Fail(FailedImage failure)
        {
            _failures[failure.Reason] = _failures.GetValueOrDefault(failure.Reason) + 1;
            Failed++;
            Processed++;
            return failure;
        }

        public void Label(LabelledImage image)
        {
            Labelled++;
            Processed++;
            if (!image.Abstained && image.Labels.Count > 0)
            {
                _labels[image.Labels[0].DisplayName] = _labels.GetValueOrDefault(image.Labels[0].DisplayName) + 1;
            }
            else
            {
                Abstained++;
            }
        }

        public void Print(TextWriter writer, LabelingEngine engine)
        {
            var taxonomy = engine.State.Taxonomy;
            writer.WriteLine($"model {engine.ModelId}, taxonomy {taxonomy.Name} ({taxonomy.Version}), head {engine.HeadVersion ?? "none (zero-shot)"}");
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"labelled {Labelled}, abstained {Abstained}, skipped (already labelled) {Skipped}, failed {Failed}"));
            foreach (var (label, count) in _labels.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-30} {count,6}"));
            }

            foreach (var (reason, count) in _failures.OrderByDescending(p => p.Value))
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  failed: {reason,-22} {count,6}"));
            }
        }
    }

    /// <summary>A progress line with rate and ETA, only when stderr is a terminal.</summary>
    private sealed class Progress(int total)
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
}

internal sealed record LabelOutput(string Source, string? Status, string? Label, double? Score, bool Abstained, string? Reason, IReadOnlyList<AssignedLabel>? Labels)
{
    public static LabelOutput From(ImageOutcome outcome) => outcome switch
    {
        LabelledImage l => new LabelOutput(l.SourceUri, "labelled", Top(l)?.LabelId, Top(l)?.Score, l.Abstained, l.AbstainReason, l.Labels),
        FailedImage f => new LabelOutput(f.SourceUri, "failed", null, null, false, $"{f.Reason}: {f.Detail}", null),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    private static AssignedLabel? Top(LabelledImage image) => image.Abstained || image.Labels.Count == 0 ? null : image.Labels[0];
}
