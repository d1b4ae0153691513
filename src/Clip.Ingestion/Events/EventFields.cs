using System.Text.Json;

namespace Clip.Ingestion.Events;

/// <summary>Reads an event's JSON fields, throwing <see cref="MalformedEventException"/> naming the event and the field for anything missing or of the wrong shape.</summary>
internal static class EventFields
{
    public static string RequiredString(JsonElement element, string name, int index, string? path = null)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw new MalformedEventException(MalformedEventReason.MissingField, $"Event {index} has no '{path ?? name}'.");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid(index, path ?? name, "is not a string");
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new MalformedEventException(MalformedEventReason.MissingField, $"Event {index} has an empty '{path ?? name}'.");
        }

        return text;
    }

    public static string? OptionalString(JsonElement data, string name, int index)
    {
        if (!data.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Invalid(index, "data." + name, "is not a string");
    }

    public static long? OptionalLength(JsonElement data, int index)
    {
        if (!data.TryGetProperty("contentLength", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var length) || length < 0)
        {
            throw Invalid(index, "data.contentLength", "is not a non-negative integer");
        }

        return length;
    }

    public static MalformedEventException Invalid(int index, string field, string problem) =>
        new(MalformedEventReason.InvalidField, $"Event {index}: '{field}' {problem}.");
}
