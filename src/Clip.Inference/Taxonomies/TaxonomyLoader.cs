using System.Globalization;
using System.Text.Json;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Taxonomies;

/// <summary>
/// Reads taxonomy JSON (format in <c>Taxonomies/README.md</c>). Strict: unknown or repeated keys,
/// wrong types and out-of-range values are errors, all reported together in one
/// <see cref="TaxonomyException"/> whose problems name their JSON paths.
/// </summary>
public static class TaxonomyLoader
{
    private const string SingleLabel = "single_label";
    private const string MultiLabel = "multi_label";

    private static readonly string[] RootKeys = ["name", "description", "templates", "classes", "decision"];
    private static readonly string[] ClassKeys = ["id", "display_name", "names", "templates", "threshold"];
    private static readonly string[] DecisionKeys = ["mode", "top_k", "abstain_below_probability", "abstain_below_margin", "default_threshold"];

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Reads a taxonomy file; with a tokenizer, also rejects prompts longer than the context.</summary>
    public static Taxonomy Load(string path, ClipTokenizer? tokenizer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TaxonomyException(path, [new TaxonomyProblem("$", "taxonomy file not found")], e);
        }

        return Parse(json, path, tokenizer);
    }

    /// <summary>Parses taxonomy JSON; <paramref name="sourceName"/> names it in errors.</summary>
    public static Taxonomy Parse(string json, string sourceName, ClipTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(sourceName);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"line {(e.LineNumber ?? 0) + 1}, byte {(e.BytePositionInLine ?? 0) + 1}");
            throw new TaxonomyException(sourceName, [new TaxonomyProblem("$", $"not valid JSON at {where}")], e);
        }

        using (document)
        {
            var problems = new List<TaxonomyProblem>();
            var taxonomy = Read(document.RootElement, sourceName, problems);
            if (taxonomy is not null && tokenizer is not null)
            {
                problems.AddRange(taxonomy.FindPromptProblems(tokenizer));
            }

            if (problems.Count > 0 || taxonomy is null)
            {
                throw new TaxonomyException(sourceName, problems);
            }

            return taxonomy;
        }
    }

    internal static string ModeName(DecisionMode mode) => mode switch
    {
        DecisionMode.SingleLabel => SingleLabel,
        DecisionMode.MultiLabel => MultiLabel,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown decision mode"),
    };

    private static Taxonomy? Read(JsonElement root, string sourceName, List<TaxonomyProblem> problems)
    {
        var reader = new TaxonomyJsonReader(problems);
        var fields = reader.Object(root, "$", RootKeys);
        if (fields is null)
        {
            return null;
        }

        var name = fields.TryGetValue("name", out var n) ? reader.NonBlankString(n, "$.name") : reader.Missing("$", "name");
        var description = fields.TryGetValue("description", out var d) ? reader.String(d, "$.description") : "";
        var templates = fields.TryGetValue("templates", out var t) ? reader.Templates(t, "$.templates") : null;
        var decision = fields.TryGetValue("decision", out var p) ? ReadDecision(reader, p) : DecisionPolicy.Default;

        List<TaxonomyClass>? classes = null;
        if (!fields.TryGetValue("classes", out var c))
        {
            reader.Missing("$", "classes");
        }
        else if (reader.Array(c, "$.classes") is { } items)
        {
            if (items.Count == 0)
            {
                problems.Add(new TaxonomyProblem("$.classes", "no classes; a taxonomy needs at least one"));
            }

            classes = ReadClasses(reader, items, templates, fields.ContainsKey("templates"), problems);
        }

        if (classes is not null && decision is not null)
        {
            RequireThresholds(classes, decision, problems);
        }

        if (problems.Count > 0 || name is null || description is null || classes is null || decision is null)
        {
            return null;
        }

        return new Taxonomy(name, description, templates ?? [], classes, decision, sourceName);
    }

    private static List<TaxonomyClass>? ReadClasses(
        TaxonomyJsonReader reader,
        IReadOnlyList<JsonElement> items,
        IReadOnlyList<string>? defaultTemplates,
        bool hasDefaultTemplates,
        List<TaxonomyProblem> problems)
    {
        var classes = new List<TaxonomyClass>();
        var firstById = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var complete = true;
        for (var i = 0; i < items.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"$.classes[{i}]");
            var fields = reader.Object(items[i], path, ClassKeys);
            if (fields is null)
            {
                complete = false;
                continue;
            }

            var id = fields.TryGetValue("id", out var idElement) ? reader.NonBlankString(idElement, path + ".id") : reader.Missing(path, "id");
            if (id is not null && !firstById.TryAdd(id, i))
            {
                problems.Add(new TaxonomyProblem(
                    path + ".id",
                    string.Create(CultureInfo.InvariantCulture, $"duplicate class id '{id}' (first used at $.classes[{firstById[id]}])")));
            }

            var displayName = fields.TryGetValue("display_name", out var dn) ? reader.NonBlankString(dn, path + ".display_name") : id;
            var names = fields.TryGetValue("names", out var ns) ? reader.NonBlankStrings(ns, path + ".names") : reader.MissingList(path, "names");
            IReadOnlyList<string>? templates = fields.TryGetValue("templates", out var ts) ? reader.Templates(ts, path + ".templates") : defaultTemplates;
            if (!fields.ContainsKey("templates") && !hasDefaultTemplates)
            {
                problems.Add(new TaxonomyProblem(path, $"class '{id}' lists no templates and the taxonomy has no default templates ($.templates)"));
            }

            double? threshold = null;
            if (fields.TryGetValue("threshold", out var th))
            {
                threshold = reader.Number(th, path + ".threshold", -1, 1, "a cosine similarity");
            }

            if (id is null || displayName is null || names is null || templates is null || (fields.ContainsKey("threshold") && threshold is null))
            {
                complete = false;
                continue;
            }

            classes.Add(new TaxonomyClass(id, displayName, names, templates, threshold));
        }

        return complete ? classes : null;
    }

    private static DecisionPolicy? ReadDecision(TaxonomyJsonReader reader, JsonElement element)
    {
        const string path = "$.decision";
        var fields = reader.Object(element, path, DecisionKeys);
        if (fields is null)
        {
            return null;
        }

        var defaults = DecisionPolicy.Default;
        var ok = true;
        var mode = defaults.Mode;
        if (fields.TryGetValue("mode", out var m))
        {
            switch (reader.String(m, path + ".mode"))
            {
                case SingleLabel:
                    mode = DecisionMode.SingleLabel;
                    break;
                case MultiLabel:
                    mode = DecisionMode.MultiLabel;
                    break;
                case { } other:
                    reader.Problem(path + ".mode", $"unknown mode '{other}'; expected '{SingleLabel}' or '{MultiLabel}'");
                    ok = false;
                    break;
                default:
                    ok = false;
                    break;
            }
        }

        var topK = defaults.TopK;
        if (fields.TryGetValue("top_k", out var k))
        {
            var value = reader.PositiveInteger(k, path + ".top_k");
            ok &= value is not null;
            topK = value ?? topK;
        }

        double Optional(string key, double fallback, double min, double max, string what)
        {
            if (!fields.TryGetValue(key, out var e))
            {
                return fallback;
            }

            var value = reader.Number(e, $"{path}.{key}", min, max, what);
            ok &= value is not null;
            return value ?? fallback;
        }

        var probability = Optional("abstain_below_probability", defaults.AbstainBelowProbability, 0, 1, "a probability");
        var margin = Optional("abstain_below_margin", defaults.AbstainBelowMargin, 0, 1, "a probability margin");
        double? defaultThreshold = fields.ContainsKey("default_threshold")
            ? Optional("default_threshold", 0, -1, 1, "a cosine similarity")
            : null;
        return ok ? new DecisionPolicy(mode, topK, probability, margin, defaultThreshold) : null;
    }

    private static void RequireThresholds(List<TaxonomyClass> classes, DecisionPolicy decision, List<TaxonomyProblem> problems)
    {
        if (decision.Mode != DecisionMode.MultiLabel || decision.DefaultThreshold is not null)
        {
            return;
        }

        var without = classes.FindIndex(c => c.Threshold is null);
        if (without >= 0)
        {
            problems.Add(new TaxonomyProblem(
                "$.decision.default_threshold",
                string.Create(CultureInfo.InvariantCulture, $"required in {MultiLabel} mode: class '{classes[without].Id}' ($.classes[{without}]) sets no threshold")));
        }
    }
}
