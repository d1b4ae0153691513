using System.CommandLine;
using Clip.Inference.Taxonomies;
using Clip.Persistence;

namespace Clip.Cli.Commands;

/// <summary><c>clip feedback add</c>: records a human-verified label for an image already in the results database.</summary>
internal static class FeedbackCommand
{
    public static Command Create()
    {
        var image = new Argument<string>("image") { Description = "A local image file (matched by path and content hash, as clip label stores it) or an http(s) blob URL (its most recently seen content)" };
        var label = new Argument<string>("label") { Description = "The correct class id from the taxonomy" };
        var taxonomyOption = new Option<string>("--taxonomy")
        {
            Description = "A shipped taxonomy's name or a taxonomy file",
            DefaultValueFactory = _ => "tiny-shapes",
        };
        var db = ResultsDatabase.Option();
        var by = new Option<string>("--by")
        {
            Description = "Who verified the label (default: the current user)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("USER") is { Length: > 0 } user ? user : Environment.UserName,
        };
        var note = new Option<string?>("--note") { Description = "Free text kept with the feedback" };
        var add = new Command("add", "Record the correct label of an image, as training data for the classifier head") { image, label, taxonomyOption, db, by, note };
        add.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var taxonomy = StandardTaxonomies.Load(result.GetValue(taxonomyOption)!);
            var labelId = RequireClass(taxonomy, result.GetValue(label)!);
            var verifiedBy = result.GetValue(by);
            if (string.IsNullOrWhiteSpace(verifiedBy))
            {
                throw new CommandInputException("--by must name who verified the label");
            }

            var (sourceUri, etagOrHash) = Identify(result.GetValue(image)!);
            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var stored = await store.AddFeedbackAsync(
                new FeedbackEntry(sourceUri, etagOrHash, labelId, taxonomy.Version, verifiedBy, result.GetValue(note)), cancellationToken);
            Console.Out.WriteLine($"recorded {labelId} for {stored.SourceUri} ({stored.EtagOrHash}), taxonomy {taxonomy.Name} ({taxonomy.Version}), verified by {verifiedBy}");
            return 0;
        }));
        var command = new Command("feedback", "Human-verified labels: the training data of the classifier head");
        command.Subcommands.Add(add);
        return command;
    }

    /// <summary>A blob URL as given, or a local file as <c>clip label</c> keys it: its absolute file URI and content SHA-256.</summary>
    private static (string SourceUri, string? EtagOrHash) Identify(string image)
    {
        if (Uri.TryCreate(image, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return (uri.AbsoluteUri, null);
        }

        if (!File.Exists(image))
        {
            throw new CommandInputException($"{image}: no such file (give a local image file or an http(s) blob URL)");
        }

        using var stream = File.OpenRead(image);
        return (LocalImageKey.SourceUri(image), LocalImageKey.ContentHash(stream));
    }

    private static string RequireClass(Taxonomy taxonomy, string label)
    {
        var ids = taxonomy.Classes.Select(c => c.Id).ToList();
        if (ids.Contains(label, StringComparer.Ordinal))
        {
            return label;
        }

        var near = ids
            .Select(id => (Id: id, Distance: EditDistance(label.ToUpperInvariant(), id.ToUpperInvariant())))
            .Where(c => c.Distance <= Math.Max(2, c.Id.Length / 3) || c.Id.Contains(label, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Distance)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .Take(5)
            .Select(c => c.Id)
            .ToList();
        var hint = near.Count > 0
            ? $"did you mean {string.Join(", ", near)}?"
            : $"its classes are {string.Join(", ", ids.Take(20))}{(ids.Count > 20 ? ", …" : "")}";
        throw new CommandInputException($"'{label}' is not a class of taxonomy {taxonomy.Name} ({taxonomy.Version}); {hint}");
    }

    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
