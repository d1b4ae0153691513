using System.CommandLine;
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
        var precision = CommonOptions.Precision();
        var command = new Command("label", "Label images with a taxonomy and write the results to SQL") { paths, taxonomyOption, headOption, db, batch, json, model, device, precision, jpegDecode };
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
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device), Precision = result.GetValue(precision) }, limits, loggers);
            var cache = new ClassMatrixCache(ZeroShotOptions.DefaultCacheDirectory(), loggers.CreateLogger<ClassMatrixCache>());
            await using var store = new LabelStore(Database(result.GetValue(db)!), loggers.CreateLogger<LabelStore>());
            await store.MigrateAsync(cancellationToken);
            var engine = await LabelingEngine.CreateAsync(clip, result.GetValue(taxonomyOption)!, cache, store, cancellationToken);
            await UseHeadAsync(engine, HeadChoice.Parse(result.GetValue(headOption)!), store, cancellationToken);
            var labeller = new FileLabeller(engine, limits, batchSize);

            var summary = new LabelSummary();
            var progress = new LabelProgress(files.Count);
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
}
