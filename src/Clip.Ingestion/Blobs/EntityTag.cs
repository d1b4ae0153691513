using Azure;

namespace Clip.Ingestion.Blobs;

/// <summary>Entity tags: checking one that came in an event before it goes into an <c>If-Match</c> header, and the unquoted form results record.</summary>
public static class EntityTag
{
    private const int MaxLength = 256;

    /// <summary>The quoted form of <paramref name="text"/>, which may be quoted or bare as Event Grid sends it.</summary>
    /// <exception cref="BlobFetchException"><see cref="BlobFetchReason.InvalidETag"/>: not one strong entity tag.</exception>
    public static ETag Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = Unquoted(text);
        // A wildcard, a weak tag or a list would turn "this version only" into something looser.
        if (value.Length is 0 or > MaxLength || value == "*" || value.StartsWith("W/", StringComparison.Ordinal)
            || value.Any(c => c is <= ' ' or > '~' or '"' or ','))
        {
            throw new BlobFetchException(BlobFetchReason.InvalidETag, "The event's ETag is not a single strong entity tag.");
        }

        return new ETag('"' + value + '"');
    }

    /// <summary>The tag without quotes, as Event Grid's <c>data.eTag</c> writes it and results record it.</summary>
    public static string Unquoted(ETag tag) => Unquoted(tag.ToString());

    /// <summary><paramref name="text"/> without its enclosing pair of quotes, if it has one.</summary>
    public static string Unquoted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length >= 2 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
    }
}
