using Azure;

namespace Clip.Ingestion.Blobs;

/// <summary>Checks an ETag that came in an event before it goes into an <c>If-Match</c> header.</summary>
internal static class EntityTag
{
    private const int MaxLength = 256;

    /// <summary>The quoted form of <paramref name="text"/>, which may be quoted or bare as Event Grid sends it.</summary>
    /// <exception cref="BlobFetchException"><see cref="BlobFetchReason.InvalidETag"/>: not one strong entity tag.</exception>
    public static ETag Parse(string text)
    {
        var value = text.Length >= 2 && text[0] == '"' && text[^1] == '"' ? text[1..^1] : text;
        // A wildcard, a weak tag or a list would turn "this version only" into something looser.
        if (value.Length is 0 or > MaxLength || value == "*" || value.StartsWith("W/", StringComparison.Ordinal)
            || value.Any(c => c is <= ' ' or > '~' or '"' or ','))
        {
            throw new BlobFetchException(BlobFetchReason.InvalidETag, "The event's ETag is not a single strong entity tag.");
        }

        return new ETag('"' + value + '"');
    }

    /// <summary>The tag without quotes, as Event Grid's <c>data.eTag</c> writes it.</summary>
    public static string Unquoted(ETag tag) => tag.ToString().Trim('"');
}
