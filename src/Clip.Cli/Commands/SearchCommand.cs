using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Persistence;
using Clip.Search;

namespace Clip.Cli.Commands;

/// <summary><c>clip search</c>: the labelled images most like a text or an example image, from their stored embeddings.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var text = new Argument<string?>("text") { Arity = ArgumentArity.ZeroOrOne, Description = "What to look for, e.g. \"a red star\"" };
        var image = new Option<string?>("--image") { Description = "Search by example: an image file, or the source URI of an image in the results" };
        var template = new Option<string>("--template")
        {
            Description = "Wraps the text as a prompt; {} stands for the text",
            DefaultValueFactory = _ => "{}",
        };
        var top = new Option<int>("--top") { Description = "How many images to show", DefaultValueFactory = _ => 20 };
        var minCosine = new Option<float>("--min-cosine") { Description = "Leave out images less similar than this", DefaultValueFactory = _ => -1f };
        var label = new Option<string?>("--label") { Description = "Only images whose rank-1 label is this class id" };
        var taxonomy = new Option<string?>("--taxonomy") { Description = "Only images labelled with this taxonomy (a shipped name, a file or a version); its labels are shown" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only images first seen at or after this time (e.g. 2026-12-01 or 2026-12-01T08:00Z)" };
        var noRefresh = new Option<bool>("--no-refresh") { Description = "Search the index as it is, without reading new rows from the database first" };
        var rebuild = new Option<bool>("--rebuild") { Description = "Rebuild the index from the database before searching" };
        var index = new Option<string>("--index")
        {
            Description = "Folder of the search indexes (one per model)",
            DefaultValueFactory = _ => ImageSearch.DefaultIndexRoot(),
        };
        var db = ResultsDatabase.Option();
        var json = CommonOptions.Json();
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var command = new Command("search", "Rank the labelled images by how well they match a text or an example image")
        {
            text, image, template, top, minCosine, label, taxonomy, since, db, json, model, device, precision, noRefresh, rebuild, index,
        };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var (query, example) = (result.GetValue(text), result.GetValue(image));
            if (string.IsNullOrWhiteSpace(query) == (example is null))
            {
                throw new CommandInputException("give either a text to search for or --image, not both");
            }

            if (result.GetValue(top) is < 1 or > LabelStore.MaxLabelledLookup)
            {
                throw new CommandInputException($"--top must be between 1 and {LabelStore.MaxLabelledLookup}");
            }

            if (!result.GetValue(template)!.Contains("{}", StringComparison.Ordinal))
            {
                throw new CommandInputException("--template must contain {} where the text goes");
            }

            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device), Precision = result.GetValue(precision) }, new ImageLimits(), loggers);
            var search = new ImageSearch(store, result.GetValue(index)!);
            var refresh = result.GetValue(rebuild) ? await search.RefreshAsync(clip.ModelId, rebuild: true, cancellationToken) : null;
            var fresh = refresh is null && !result.GetValue(noRefresh);
            if (fresh)
            {
                refresh = await search.RefreshAsync(clip.ModelId, cancellationToken: cancellationToken);
            }

            var (vector, exclude) = query is not null
                ? (TextQuery(clip, result.GetValue(template)!.Replace("{}", query, StringComparison.Ordinal)), (long?)null)
                : await ExampleQueryAsync(clip, search, example!, cancellationToken);
            var taxonomyVersion = result.GetValue(taxonomy) is { } t ? ResultsDatabase.TaxonomyVersion(t) : null;
            var options = new SearchOptions(
                result.GetValue(top), result.GetValue(minCosine), new ImageFilter(taxonomyVersion, result.GetValue(label), result.GetValue(since)), Refresh: false);
            var found = await search.SearchAsync(clip.ModelId, vector, options, exclude, cancellationToken);
            Print(found.Results, result.GetValue(json));
            if (refresh is not null)
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"index: {found.Indexed} images of {clip.ModelId}; refresh read {refresh.Read}, added {refresh.Added}, dropped {refresh.Dropped}{(refresh.Rebuilt ? " (rebuilt)" : "")}"));
            }

            return 0;
        }));
        return command;
    }

    // Embeddings come L2-normalised from the encoders, as the stored ones are.
    private static float[] TextQuery(ClipModel clip, string prompt) => clip.EmbedTexts([prompt]).Row(0).ToArray();

    /// <summary>An image file is embedded now; a source URI in the results uses its stored embedding and is left out of its own results.</summary>
    private static async Task<(float[] Vector, long? Exclude)> ExampleQueryAsync(ClipModel clip, ImageSearch search, string example, CancellationToken ct)
    {
        if (File.Exists(example))
        {
            var bytes = await File.ReadAllBytesAsync(example, ct);
            var vector = clip.EmbedImages([bytes]).Row(0).ToArray();
            var stored = search.FindExample(clip.ModelId, LocalImageKey.SourceUri(example));
            return (vector, stored?.ImageId);
        }

        return search.FindExample(clip.ModelId, example) is { } found
            ? (found.Vector, found.ImageId)
            : throw new CommandInputException($"--image {example}: neither a file nor the source of an image labelled with {clip.ModelId}");
    }

    private static void Print(IReadOnlyList<SearchResult> results, bool asJson)
    {
        if (asJson)
        {
            foreach (var (r, rank) in results.Select((r, i) => (r, i + 1)))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(
                    new SearchOutput(rank, Math.Round(r.Cosine, 4), r.Image.SourceUri, r.Image.EtagOrHash, r.Image.LabelId, r.Image.Probability is { } p ? Math.Round(p, 4) : null, r.Image.TaxonomyVersion),
                    CliJson.Output.SearchOutput));
            }

            return;
        }

        if (results.Count == 0)
        {
            Console.Error.WriteLine("no images found");
            return;
        }

        Console.Out.WriteLine("rank  cosine  label (probability)       image");
        foreach (var (r, rank) in results.Select((r, i) => (r, i + 1)))
        {
            var labelText = r.Image.LabelId is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{r.Image.LabelId} ({r.Image.Probability:0.00})");
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rank,4}  {r.Cosine,6:0.000}  {labelText,-24}  {r.Image.SourceUri}"));
        }
    }
}

/// <summary>One <c>clip search --json</c> line.</summary>
internal sealed record SearchOutput(int Rank, double Cosine, string SourceUri, string EtagOrHash, string? Label, double? Probability, string? TaxonomyVersion);
