namespace Clip.Ingestion;

/// <summary>Splits a URL's text without normalizing it, so checks see exactly what was sent.</summary>
internal static class BlobUrlText
{
    /// <summary>The authority (userinfo, host and port) as written, or null when the text has no <c>scheme://</c>.</summary>
    public static string? Authority(string url)
    {
        var start = AuthorityStart(url);
        if (start < 0)
        {
            return null;
        }

        var end = url.AsSpan(start).IndexOfAny('/', '?', '#');
        return end < 0 ? url[start..] : url.Substring(start, end);
    }

    /// <summary>The path as written (still percent-encoded), up to any query or fragment; null when there is no authority.</summary>
    public static string? RawPath(string url)
    {
        var start = AuthorityStart(url);
        if (start < 0)
        {
            return null;
        }

        var slash = url.AsSpan(start).IndexOfAny('/', '?', '#');
        if (slash < 0 || url[start + slash] != '/')
        {
            return string.Empty;
        }

        var path = url.AsSpan(start + slash);
        var end = path.IndexOfAny('?', '#');
        return (end < 0 ? path : path[..end]).ToString();
    }

    private static int AuthorityStart(string url)
    {
        var separator = url.IndexOf("://", StringComparison.Ordinal);
        return separator <= 0 ? -1 : separator + 3;
    }
}
