using System.CommandLine;
using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Search;

namespace Clip.Cli.Commands;

/// <summary><c>clip duplicates</c>: groups of near-identical images among the stored embeddings, written to SQL.</summary>
internal static class DuplicatesCommand
{
    public static Command Create()
    {
        var minCosine = new Option<float>("--min-cosine")
        {
            Description = "How similar two embeddings must be for the images to count as copies of one picture",
            DefaultValueFactory = _ => NearDuplicateFinder.DefaultMinCosine,
        };
        var show = new Option<int>("--show") { Description = "How many of the largest groups to list", DefaultValueFactory = _ => 10 };
        var noRefresh = new Option<bool>("--no-refresh") { Description = "Use the index as it is, without reading new rows from the database first" };
        var index = new Option<string>("--index") { Description = "Folder of the search indexes (one per model)", DefaultValueFactory = _ => ImageSearch.DefaultIndexRoot() };
        var db = ResultsDatabase.Option();
        var model = CommonOptions.Model();
        var precision = new Option<ModelPrecision>("--precision")
        {
            Description = "The precision the images were labelled with: fp32, int8 or fp16, or auto as it resolves on CPU",
            DefaultValueFactory = _ => ModelPrecision.Fp32,
        };
        var command = new Command("duplicates", "Find groups of near-identical images among one model's stored embeddings and write them to duplicate_groups")
        {
            minCosine, show, noRefresh, index, db, model, precision,
        };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var threshold = result.GetValue(minCosine);
            if (threshold is not (> 0 and <= 1))
            {
                throw new CommandInputException("--min-cosine must be above 0 and at most 1");
            }

            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var modelId = PrecisionChoice.Apply(ModelBundle.Load(result.GetValue(model)!), result.GetValue(precision), ExecutionDevice.Cpu).VersionedModelId;
            var search = new ImageSearch(store, result.GetValue(index)!);
            var (groups, indexed) = await search.FindDuplicatesAsync(modelId, threshold, refresh: !result.GetValue(noRefresh), cancellationToken);
            var copies = groups.Sum(g => g.Members.Count - 1);
            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{indexed} images of {modelId}: {groups.Count} {(groups.Count == 1 ? "group" : "groups")} of near-duplicates (cosine >= {threshold:0.###}), {copies} {(copies == 1 ? "copy" : "copies")} a count would leave out; written to duplicate_groups"));
            foreach (var group in groups.Take(result.GetValue(show)))
            {
                var described = (await store.DescribeImagesAsync([.. group.Members.Take(100).Select(m => m.ImageId)], modelId, cancellationToken: cancellationToken))
                    .ToDictionary(d => d.ImageId);
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"group {group.GroupId}: {group.Members.Count} images"));
                foreach (var (imageId, cosine) in group.Members.Take(100))
                {
                    Console.Out.WriteLine(string.Create(
                        CultureInfo.InvariantCulture, $"  {cosine,6:0.000}  {(described.TryGetValue(imageId, out var image) ? image.SourceUri : $"image {imageId}")}"));
                }
            }

            return 0;
        }));
        return command;
    }
}
