using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Clip.Persistence;

namespace Clip.Cli.Commands;

/// <summary><c>clip heads list|show|promote|rollback</c>: the trained classifier heads and which one the workers use.</summary>
internal static class HeadsCommand
{
    private const string TaxonomyDescription = "A shipped taxonomy's name, a taxonomy file, or a taxonomy version (sha256:…)";

    public static Command Create()
    {
        var command = new Command("heads", "List, inspect, promote and roll back trained classifier heads");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Promote());
        command.Subcommands.Add(Rollback());
        return command;
    }

    private static Command List()
    {
        var db = ResultsDatabase.Option();
        var model = new Option<string?>("--model") { Description = "Only heads of this model id" };
        var taxonomy = new Option<string?>("--taxonomy") { Description = TaxonomyDescription };
        var list = new Command("list", "List heads, newest first; * marks the promoted one of its model and taxonomy") { db, model, taxonomy };
        list.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var taxonomyVersion = result.GetValue(taxonomy) is { } t ? ResultsDatabase.TaxonomyVersion(t) : null;
            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var heads = await store.ListHeadsAsync(result.GetValue(model), taxonomyVersion, cancellationToken);
            if (heads.Count == 0)
            {
                Console.Error.WriteLine("no heads");
            }

            foreach (var head in heads)
            {
                Console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{(head.IsPromoted ? '*' : ' ')} {head.Version}  {head.CreatedAt:yyyy-MM-dd HH:mm:ss}Z  alpha {head.Alpha:0.###}  {head.ModelId}  {head.TaxonomyVersion}  {head.WeightsBytes} bytes  {DecisionOf(head.MetricsJson) ?? Compact(head.MetricsJson)}"));
            }

            return 0;
        }));
        return list;
    }

    private static Command Show()
    {
        var version = new Argument<string>("version") { Description = "The head's version" };
        var db = ResultsDatabase.Option();
        var show = new Command("show", "Print a head's model, taxonomy, alpha, metrics and training configuration") { version, db };
        show.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var head = await store.GetHeadAsync(result.GetValue(version)!, cancellationToken)
                ?? throw new UnknownHeadException($"No head with version {result.GetValue(version)} in the database (clip heads list shows them).");
            var output = Console.Out;
            output.WriteLine($"version:   {head.Version}");
            output.WriteLine($"model:     {head.ModelId}");
            output.WriteLine($"taxonomy:  {head.TaxonomyVersion}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"created:   {head.CreatedAt:yyyy-MM-dd HH:mm:ss}Z"));
            output.WriteLine(head.IsPromoted
                ? string.Create(CultureInfo.InvariantCulture, $"promoted:  yes, since {head.PromotedAt:yyyy-MM-dd HH:mm:ss}Z")
                : "promoted:  no");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"alpha:     {head.Alpha:0.######}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"weights:   {head.Weights.Length} bytes"));
            output.WriteLine($"decision:  {DecisionOf(head.MetricsJson) ?? "none recorded (stored by hand, or trained before the promotion gate)"}");
            output.WriteLine("metrics:");
            output.WriteLine(Indented(head.MetricsJson));
            output.WriteLine("training:");
            output.WriteLine(Indented(head.TrainingJson));
            return 0;
        }));
        return show;
    }

    private static Command Promote()
    {
        var version = new Argument<string>("version") { Description = "The head's version" };
        var db = ResultsDatabase.Option();
        var promote = new Command("promote", "Make a head the one workers use for its model and taxonomy, demoting the current one") { version, db };
        promote.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var name = result.GetValue(version)!;
            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var head = await store.GetHeadAsync(name, cancellationToken)
                ?? throw new UnknownHeadException($"No head with version {name} in the database (clip heads list shows them).");
            var previous = await store.GetPromotedHeadAsync(head.ModelId, head.TaxonomyVersion, cancellationToken);
            await store.PromoteHeadAsync(name, cancellationToken);
            Console.Out.WriteLine($"promoted {head.Version} for model {head.ModelId}, taxonomy {head.TaxonomyVersion} (was {previous?.Version ?? "none: pure zero-shot"})");
            return 0;
        }));
        return promote;
    }

    private static Command Rollback()
    {
        var db = ResultsDatabase.Option();
        var model = new Option<string>("--model") { Description = "The model id", Required = true };
        var taxonomy = new Option<string>("--taxonomy") { Description = TaxonomyDescription, Required = true };
        var rollback = new Command("rollback", "Undo the latest promotion: re-promote the head before it, or none (pure zero-shot)") { db, model, taxonomy };
        rollback.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var taxonomyVersion = ResultsDatabase.TaxonomyVersion(result.GetValue(taxonomy)!);
            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            var promoted = await store.RollbackHeadAsync(result.GetValue(model)!, taxonomyVersion, cancellationToken);
            Console.Out.WriteLine(promoted is null ? "no head promoted: pure zero-shot" : $"promoted {promoted}");
            return 0;
        }));
        return rollback;
    }

    /// <summary>Why the retraining job did or did not promote the head, as it recorded it; null for a head without a decision.</summary>
    private static string? DecisionOf(string metricsJson)
    {
        using var document = JsonDocument.Parse(metricsJson);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("decision", out var decision)
            && decision.ValueKind == JsonValueKind.Object
            && decision.TryGetProperty("reason", out var reason)
            && reason.ValueKind == JsonValueKind.String
                ? reason.GetString()
                : null;
    }

    private static string Compact(string json)
    {
        using var document = JsonDocument.Parse(json);
        var text = Serialize(document, indented: false);
        return text.Length <= 120 ? text : text[..117] + "...";
    }

    private static string Indented(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Serialize(document, indented: true);
    }

    private static string Serialize(JsonDocument document, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            document.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
