using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// ftfy's own <c>unescape_html</c> step, stricter than Python's html.unescape: only
/// <c>&amp;name;</c> / <c>&amp;#n;</c> forms of 1–24 ASCII letters or digits, plus upper-cased names.
/// </summary>
internal static class FtfyHtmlUnescaper
{
    private const int MaxNameLength = 24;

    public static string Unescape(string text)
    {
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var length = text[i] == '&' ? MatchLength(text, i) : 0;
            if (length == 0)
            {
                builder.Append(text[i]);
                i++;
                continue;
            }

            builder.Append(Replace(text.Substring(i, length)));
            i += length;
        }

        return builder.ToString();
    }

    /// <summary>Length of a match of <c>&amp;#?[0-9A-Za-z]{1,24};</c> at <paramref name="start"/>, or 0.</summary>
    private static int MatchLength(string text, int start)
    {
        var i = start + 1;
        if (i < text.Length && text[i] == '#')
        {
            i++;
        }

        var nameStart = i;
        while (i < text.Length && char.IsAsciiLetterOrDigit(text[i]))
        {
            i++;
        }

        var nameLength = i - nameStart;
        return nameLength is >= 1 and <= MaxNameLength && i < text.Length && text[i] == ';' ? i + 1 - start : 0;
    }

    private static string Replace(string entity)
    {
        if (HtmlEntities.Instance.TryGetFtfy(entity.AsSpan(1), out var value))
        {
            return value;
        }

        if (entity.StartsWith("&#", StringComparison.Ordinal))
        {
            var unescaped = HtmlUnescaper.Unescape(entity);
            return unescaped.Contains(';', StringComparison.Ordinal) ? entity : unescaped;
        }

        return entity;
    }
}
