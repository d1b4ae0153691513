using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;

namespace Clip.Cli.Commands;

/// <summary>
/// <c>clip eval</c>: zero-shot accuracy of a taxonomy on a labelled ImageFolder (one sub-folder per
/// class id), with the single-template baseline beside the full prompt ensemble, as in the CLIP paper.
/// </summary>
internal static class EvalCommand
{
    private const int BatchSize = 32;

    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "ImageFolder: one sub-folder per class id, images inside" };
        var taxonomyOption = new Option<string>("--taxonomy") { Description = "A shipped taxonomy's name or a taxonomy file", Required = true };
        var single = new Option<string>("--single-template")
        {
            Description = "The baseline prompt the ensemble is compared with",
            DefaultValueFactory = _ => "a photo of a {}.",
        };
        var model = CommonOptions.Model();
        var jpegDecode = CommonOptions.JpegDecode();
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var command = new Command("eval", "Measure a taxonomy's zero-shot accuracy on labelled images: top-1, top-5, mean per-class recall, confusions") { folder, taxonomyOption, single, model, device, precision, jpegDecode };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            using var loggers = CliLogging.CreateFactory();
            var limits = new ImageLimits { JpegDecode = result.GetValue(jpegDecode) };
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device), Precision = result.GetValue(precision) }, limits, loggers);
            var taxonomy = StandardTaxonomies.Load(result.GetValue(taxonomyOption)!, clip.Tokenizer);
            var baseline = SingleTemplate(taxonomy, result.GetValue(single)!, clip);
            var (embeddings, truth) = await EmbedFolderAsync(clip, limits, result.GetValue(folder)!, taxonomy, cancellationToken);
            var ensemble = Measure(clip, ClassMatrixBuilder.Build(clip, taxonomy), embeddings, truth);
            var singleScore = Measure(clip, ClassMatrixBuilder.Build(clip, baseline), embeddings, truth);

            Console.Out.WriteLine($"model {clip.ModelId}, taxonomy {taxonomy.Name} ({taxonomy.Version}), {truth.Count} images in {truth.Distinct().Count()} classes, chance {1.0 / taxonomy.Classes.Count:P1}");
            Console.Out.WriteLine($"{"prompts",-34} {"top-1",7} {"top-5",7} {"mean per-class recall",22}");
            Print($"single template \"{result.GetValue(single)}\"", singleScore);
            Print($"ensemble of {taxonomy.Templates.Count} templates", ensemble);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ensemble − single: top-1 {(ensemble.Top1 - singleScore.Top1) * 100:+0.0;-0.0;0.0} points"));
            Console.Out.WriteLine("most frequent confusions (ensemble): true → predicted, images");
            foreach (var ((actual, predicted), count) in ensemble.Confusions.OrderByDescending(p => p.Value).ThenBy(p => p.Key.Actual, StringComparer.Ordinal).Take(10))
            {
                Console.Out.WriteLine($"  {actual} → {predicted}: {count}");
            }

            return 0;
        }));
        return command;
    }

    private sealed record Score(double Top1, double Top5, double MeanRecall, Dictionary<(string Actual, string Predicted), int> Confusions);

    private static void Print(string label, Score score) =>
        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label,-34} {score.Top1,7:P1} {score.Top5,7:P1} {score.MeanRecall,22:P1}"));

    /// <summary>The same taxonomy with one template for every class: the paper's no-ensemble baseline.</summary>
    private static Taxonomy SingleTemplate(Taxonomy taxonomy, string template, ClipModel clip)
    {
        var json = JsonNode.Parse(taxonomy.ToCanonicalJson())!.AsObject();
        json["templates"] = new JsonArray(template);
        foreach (var c in json["classes"]!.AsArray())
        {
            c!.AsObject().Remove("templates");
            RemoveNulls(c.AsObject());
        }

        RemoveNulls(json["decision"]!.AsObject());
        return TaxonomyLoader.Parse(json.ToJsonString(), $"{taxonomy.SourceName} with one template", clip.Tokenizer);
    }

    // The canonical form spells out unset optional values as null; the loader wants them absent.
    private static void RemoveNulls(JsonObject json)
    {
        foreach (var key in json.Where(p => p.Value is null).Select(p => p.Key).ToList())
        {
            json.Remove(key);
        }
    }

    private static async Task<(EmbeddingMatrix Embeddings, List<string> Truth)> EmbedFolderAsync(
        ClipModel clip, ImageLimits limits, DirectoryInfo folder, Taxonomy taxonomy, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            throw new CommandInputException($"{folder.FullName}: folder not found");
        }

        var known = taxonomy.Classes.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var classFolders = folder.GetDirectories().OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
        var unknown = classFolders.Select(d => d.Name).Where(n => !known.Contains(n)).ToList();
        if (classFolders.Count == 0 || unknown.Count > 0)
        {
            throw new CommandInputException(classFolders.Count == 0
                ? $"{folder.FullName}: no class sub-folders"
                : $"{folder.FullName}: sub-folders that are not class ids of {taxonomy.Name}: {string.Join(", ", unknown)}");
        }

        var files = classFolders.SelectMany(d => d.GetFiles().OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => (File: f, Class: d.Name))).ToList();
        var truth = new List<string>();
        var rows = new List<float>();
        var images = new ImageBatch(clip, BatchSize);
        foreach (var batch in files.Chunk(BatchSize))
        {
            var added = await images.AddReadableAsync(
                batch, item => item.File, limits, (file, e) => Console.Error.WriteLine($"clip: skipped {file.FullName}: {e.Message}"), cancellationToken);
            truth.AddRange(added.Select(item => item.Class));
            if (images.Count > 0)
            {
                rows.AddRange(images.Encode().Values);
            }
        }

        if (truth.Count == 0)
        {
            throw new CommandInputException($"{folder.FullName}: no readable images");
        }

        return (EmbeddingMatrix.FromRaw(rows.ToArray(), truth.Count, rows.Count / truth.Count), truth);
    }

    private static Score Measure(ClipModel clip, ClassMatrix classes, EmbeddingMatrix images, List<string> truth)
    {
        var classifier = ImageClassifier.Create(clip, classes);
        var scores = classifier.Classify(images);
        int top1 = 0, top5 = 0;
        var perClass = new Dictionary<string, (int Correct, int Total)>(StringComparer.Ordinal);
        var confusions = new Dictionary<(string, string), int>();
        for (var i = 0; i < scores.Count; i++)
        {
            var ranked = Enumerable.Range(0, scores[i].ClassIds.Count).OrderByDescending(c => scores[i].Logits[c]).Take(5).Select(c => scores[i].ClassIds[c]).ToList();
            var correct = ranked[0] == truth[i];
            top1 += correct ? 1 : 0;
            top5 += ranked.Contains(truth[i]) ? 1 : 0;
            var (c1, t1) = perClass.GetValueOrDefault(truth[i]);
            perClass[truth[i]] = (c1 + (correct ? 1 : 0), t1 + 1);
            if (!correct)
            {
                confusions[(truth[i], ranked[0])] = confusions.GetValueOrDefault((truth[i], ranked[0])) + 1;
            }
        }

        return new Score((double)top1 / truth.Count, (double)top5 / truth.Count, perClass.Values.Average(v => (double)v.Correct / v.Total), confusions);
    }
}
