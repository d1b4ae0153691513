using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.Ingestion.Folders;
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
        var model = CommonOptions.Model();
        var jpegDecode = CommonOptions.JpegDecode();
        var device = CommonOptions.Device();
        var command = new Command("label", "Label images with a taxonomy and write the results to SQL") { paths, taxonomyOption, db, batch, json, model, device, jpegDecode };
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
            var taxonomy = StandardTaxonomies.Load(result.GetValue(taxonomyOption)!, clip.Tokenizer);
            var cache = new ClassMatrixCache(ZeroShotOptions.DefaultCacheDirectory(), loggers.CreateLogger<ClassMatrixCache>());
            var classes = cache.GetOrBuild(clip.ModelId, taxonomy, () => ZeroShotClassifierBuilder.Build(clip, taxonomy));
            var labeller = new Labeller(clip, ZeroShotClassifier.Create(clip, classes), new LabelDecider(taxonomy), limits);
            await using var store = new LabelStore(Database(result.GetValue(db)!), loggers.CreateLogger<LabelStore>());
            await store.MigrateAsync(cancellationToken);

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
            summary.Print(Console.Error, clip.ModelId, taxonomy);
            return summary.Failed == 0 ? 0 : CommandFailure.Failed;
        }));
        return command;
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

    /// <summary>Turns a chunk of files into outcomes: labelled, failed, or nothing for files already labelled.</summary>
    private sealed class Labeller(ClipModel clip, ZeroShotClassifier classifier, LabelDecider decider, ImageLimits limits)
    {
        public async Task<List<ImageOutcome>> LabelAsync(FileInfo[] files, LabelStore store, LabelSummary summary, CancellationToken cancellationToken)
        {
            var length = clip.Preprocessor.Config.TensorLength;
            var pixels = new float[files.Length * length];
            var accepted = new List<(string Uri, string Hash, long Size, int Width, int Height, double DecodeMs)>();
            var outcomes = new List<ImageOutcome>();
            foreach (var file in files)
            {
                var uri = LocalImageKey.SourceUri(file.FullName);
                var started = Stopwatch.GetTimestamp();
                byte[] bytes;
                try
                {
                    bytes = ImageFiles.Read(file, limits);
                }
                catch (Exception e) when (e is ImageRejectedException or IOException or UnauthorizedAccessException)
                {
                    outcomes.Add(new FailedImage(uri, null, FailureStage.Download, e is ImageRejectedException r ? r.ReasonCode : "unreadable", e.Message));
                    summary.Fail(outcomes[^1]);
                    continue;
                }

                var hash = LocalImageKey.ContentHash(bytes);
                if (await store.IsLabelledAsync(uri, hash, clip.ModelId, classifier.Classes.TaxonomyVersion, classifier.HeadVersion, cancellationToken))
                {
                    summary.Skip();
                    continue;
                }

                try
                {
                    var size = clip.Preprocessor.Preprocess(bytes, pixels.AsSpan(accepted.Count * length, length));
                    accepted.Add((uri, hash, bytes.LongLength, size.Width, size.Height, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                }
                catch (ImageRejectedException e)
                {
                    outcomes.Add(new FailedImage(uri, hash, FailureStage.Decode, e.ReasonCode, e.Message));
                    summary.Fail(outcomes[^1]);
                }
            }

            if (accepted.Count == 0)
            {
                return outcomes;
            }

            var encodeStarted = Stopwatch.GetTimestamp();
            var embeddings = clip.ImageEncoder.Encode(pixels.AsMemory(0, accepted.Count * length), accepted.Count);
            var encodeMs = Stopwatch.GetElapsedTime(encodeStarted).TotalMilliseconds / accepted.Count;
            var scores = classifier.Classify(embeddings);
            for (var i = 0; i < accepted.Count; i++)
            {
                var decision = decider.Decide(scores[i]);
                var image = accepted[i];
                var labels = decision.Labels.Select(l => new AssignedLabel(l.ClassId, l.DisplayName, l.Score, l.Cosine, l.Probability, l.Rank)).ToList();
                outcomes.Add(new LabelledImage(
                    image.Uri, image.Hash, image.Size, image.Width, image.Height, clip.ModelId, decision.TaxonomyVersion, decision.HeadVersion,
                    labels, decision.Abstained, decision.AbstainDescription, new StageTimings(image.DecodeMs, encodeMs, image.DecodeMs + encodeMs))
                {
                    Embedding = embeddings.Row(i).ToArray(),
                });
                summary.Label(decision);
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

        public void Fail(ImageOutcome outcome)
        {
            var reason = ((FailedImage)outcome).Reason;
            _failures[reason] = _failures.GetValueOrDefault(reason) + 1;
            Failed++;
            Processed++;
        }

        public void Label(LabelDecision decision)
        {
            Labelled++;
            Processed++;
            if (decision.Top is { } top)
            {
                _labels[top.DisplayName] = _labels.GetValueOrDefault(top.DisplayName) + 1;
            }
            else
            {
                Abstained++;
            }
        }

        public void Print(TextWriter writer, string modelId, Taxonomy taxonomy)
        {
            writer.WriteLine($"model {modelId}, taxonomy {taxonomy.Name} ({taxonomy.Version})");
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
