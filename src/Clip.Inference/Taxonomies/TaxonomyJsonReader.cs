using System.Collections.ObjectModel;
using System.Globalization;
using System.Text.Json;

namespace Clip.Inference.Taxonomies;

/// <summary>Reads JSON values, recording a problem (and returning null) for anything of the wrong shape.</summary>
internal sealed class TaxonomyJsonReader(List<TaxonomyProblem> problems)
{
    public void Problem(string path, string message) => problems.Add(new TaxonomyProblem(path, message));

    public string? Missing(string path, string key)
    {
        Problem(path, $"missing required key '{key}'");
        return null;
    }

    public IReadOnlyList<string>? MissingList(string path, string key)
    {
        Missing(path, key);
        return null;
    }

    public Dictionary<string, JsonElement>? Object(JsonElement element, string path, string[] allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Problem(path, $"expected an object, found {Describe(element)}");
            return null;
        }

        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                Problem(at, $"unknown key (expected one of: {string.Join(", ", allowed)})");
            }
            else if (!fields.TryAdd(property.Name, property.Value))
            {
                Problem(at, "key given more than once");
            }
        }

        return fields;
    }

    public IReadOnlyList<JsonElement>? Array(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            Problem(path, $"expected an array, found {Describe(element)}");
            return null;
        }

        return [.. element.EnumerateArray()];
    }

    public string? String(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            Problem(path, $"expected a string, found {Describe(element)}");
            return null;
        }

        return element.GetString();
    }

    public string? NonBlankString(JsonElement element, string path)
    {
        var value = String(element, path);
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            Problem(path, "must not be empty or blank");
            return null;
        }

        return value;
    }

    public ReadOnlyCollection<string>? NonBlankStrings(JsonElement element, string path)
    {
        if (Array(element, path) is not { } items)
        {
            return null;
        }

        if (items.Count == 0)
        {
            Problem(path, "empty list; expected at least one");
            return null;
        }

        var values = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            if (NonBlankString(items[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } value)
            {
                values.Add(value);
            }
        }

        return values.Count == items.Count ? values.AsReadOnly() : null;
    }

    public ReadOnlyCollection<string>? Templates(JsonElement element, string path)
    {
        var templates = NonBlankStrings(element, path);
        if (templates is null)
        {
            return null;
        }

        var ok = true;
        for (var i = 0; i < templates.Count; i++)
        {
            var count = CountPlaceholders(templates[i]);
            if (count != 1)
            {
                ok = false;
                Problem(
                    string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"),
                    count == 0
                        ? $"template \"{templates[i]}\" has no {Taxonomy.Placeholder} placeholder for the class name"
                        : string.Create(CultureInfo.InvariantCulture, $"template \"{templates[i]}\" has {count} {Taxonomy.Placeholder} placeholders; expected exactly one"));
            }
        }

        return ok ? templates : null;
    }

    public double? Number(JsonElement element, string path, double min, double max, string what)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value))
        {
            Problem(path, $"expected a number, found {Describe(element)}");
            return null;
        }

        if (value < min || value > max)
        {
            Problem(path, string.Create(CultureInfo.InvariantCulture, $"{value} is outside [{min}, {max}] ({what})"));
            return null;
        }

        return value;
    }

    public int? PositiveInteger(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value))
        {
            Problem(path, $"expected an integer, found {Describe(element)}");
            return null;
        }

        if (value < 1)
        {
            Problem(path, string.Create(CultureInfo.InvariantCulture, $"{value} is less than 1"));
            return null;
        }

        return value;
    }

    private static int CountPlaceholders(string template)
    {
        var count = 0;
        for (var at = template.IndexOf(Taxonomy.Placeholder, StringComparison.Ordinal); at >= 0;
             at = template.IndexOf(Taxonomy.Placeholder, at + Taxonomy.Placeholder.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
