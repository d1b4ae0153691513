using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Taxonomies;

/// <summary>
/// What to label images with: classes (each with synonyms and prompt templates) and a decision
/// policy. Immutable; <see cref="Version"/> is a hash of its content, so two files that differ only
/// in key order, whitespace or spelled-out defaults share a version. Read one with <see cref="TaxonomyLoader"/>.
/// </summary>
public sealed class Taxonomy
{
    public const string Placeholder = "{}";
    public const string VersionPrefix = "sha256:";

    internal Taxonomy(
        string name,
        string description,
        IReadOnlyList<string> templates,
        IReadOnlyList<TaxonomyClass> classes,
        DecisionPolicy decision,
        string sourceName)
    {
        Name = name;
        Description = description;
        Templates = templates;
        Classes = classes;
        Decision = decision;
        SourceName = sourceName;
        Version = ComputeVersion();
    }

    public string Name { get; }

    public string Description { get; }

    /// <summary>Default templates, used by every class that lists none of its own.</summary>
    public IReadOnlyList<string> Templates { get; }

    public IReadOnlyList<TaxonomyClass> Classes { get; }

    public DecisionPolicy Decision { get; }

    /// <summary>Where it was read from (a file path, or the name given to <see cref="TaxonomyLoader.Parse"/>).</summary>
    public string SourceName { get; }

    /// <summary><c>sha256:</c> and 16 hex digits of the SHA-256 of <see cref="ToCanonicalJson"/>.</summary>
    public string Version { get; }

    public static string Fill(string template, string name)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.Replace(Placeholder, name, StringComparison.Ordinal);
    }

    /// <summary>
    /// Checks every prompt fits the text encoder's context, which silently truncates longer ones:
    /// throws <see cref="TaxonomyException"/> naming each class, template and name at fault.
    /// </summary>
    public void Validate(ClipTokenizer tokenizer, int contextLength = ClipTokenizer.DefaultContextLength)
    {
        var problems = FindPromptProblems(tokenizer, contextLength);
        if (problems.Count > 0)
        {
            throw new TaxonomyException(SourceName, problems);
        }
    }

    /// <summary>The prompts that do not fit <paramref name="contextLength"/> tokens, as problems.</summary>
    public IReadOnlyList<TaxonomyProblem> FindPromptProblems(ClipTokenizer tokenizer, int contextLength = ClipTokenizer.DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        var problems = new List<TaxonomyProblem>();
        for (var c = 0; c < Classes.Count; c++)
        {
            var cls = Classes[c];
            for (var t = 0; t < cls.Templates.Count; t++)
            {
                for (var n = 0; n < cls.Names.Count; n++)
                {
                    var prompt = Fill(cls.Templates[t], cls.Names[n]);
                    if (tokenizer.Encode(prompt, contextLength).Truncated)
                    {
                        problems.Add(new TaxonomyProblem(
                            string.Create(CultureInfo.InvariantCulture, $"$.classes[{c}].names[{n}]"),
                            $"class '{cls.Id}': prompt \"{prompt}\" (template \"{cls.Templates[t]}\") is longer than {contextLength} tokens and would be truncated"));
                    }
                }
            }
        }

        return problems;
    }

    /// <summary>
    /// The parsed taxonomy as compact JSON in a fixed key order with every default applied
    /// (display names, per-class templates and thresholds, the decision policy): the input of <see cref="Version"/>.
    /// </summary>
    public string ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("name", Name);
            json.WriteString("description", Description);
            WriteStrings(json, "templates", Templates);
            json.WriteStartArray("classes");
            foreach (var cls in Classes)
            {
                json.WriteStartObject();
                json.WriteString("id", cls.Id);
                json.WriteString("display_name", cls.DisplayName);
                WriteStrings(json, "names", cls.Names);
                WriteStrings(json, "templates", cls.Templates);
                WriteNumberOrNull(json, "threshold", cls.Threshold ?? Decision.DefaultThreshold);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartObject("decision");
            json.WriteString("mode", TaxonomyLoader.ModeName(Decision.Mode));
            json.WriteNumber("top_k", Decision.TopK);
            json.WriteNumber("abstain_below_probability", Decision.AbstainBelowProbability);
            json.WriteNumber("abstain_below_margin", Decision.AbstainBelowMargin);
            WriteNumberOrNull(json, "default_threshold", Decision.DefaultThreshold);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private string ComputeVersion()
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ToCanonicalJson()));
        return VersionPrefix + Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    private static void WriteStrings(Utf8JsonWriter json, string property, IReadOnlyList<string> values)
    {
        json.WriteStartArray(property);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string property, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(property, number);
        }
        else
        {
            json.WriteNull(property);
        }
    }
}
