using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// Python's <c>html.unescape</c>: the same reference syntax, the longest-prefix rule for legacy
/// names without ';', and the same replacements for invalid numeric references.
/// </summary>
internal static class HtmlUnescaper
{
    public static string Unescape(string text)
    {
        var amp = text.IndexOf('&', StringComparison.Ordinal);
        if (amp < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        builder.Append(text, 0, amp);
        var i = amp;
        while (i < text.Length)
        {
            if (text[i] != '&')
            {
                builder.Append(text[i]);
                i++;
                continue;
            }

            var consumed = i + 1 < text.Length ? TryReplace(text, i + 1, builder) : 0;
            if (consumed == 0)
            {
                builder.Append('&');
                i++;
            }
            else
            {
                i += 1 + consumed;
            }
        }

        return builder.ToString();
    }

    /// <summary>Appends the replacement of the reference after '&amp;' at <paramref name="start"/>; returns how many chars it took (0: no reference).</summary>
    private static int TryReplace(string text, int start, StringBuilder output)
    {
        if (text[start] == '#')
        {
            return TryReplaceNumeric(text, start, output);
        }

        var end = start;
        var codePoints = 0;
        while (end < text.Length && codePoints < HtmlEntities.MaxNameLength && !IsNameTerminator(text[end]))
        {
            end += char.IsHighSurrogate(text[end]) && end + 1 < text.Length && char.IsLowSurrogate(text[end + 1]) ? 2 : 1;
            codePoints++;
        }

        if (end == start)
        {
            return 0;
        }

        if (end < text.Length && text[end] == ';')
        {
            end++;
        }

        var name = text.AsSpan(start, end - start);
        var entities = HtmlEntities.Instance;
        if (entities.TryGetHtml5(name, out var value))
        {
            output.Append(value);
            return end - start;
        }

        // Python tries prefixes from len-1 down to 2 chars, counted in code points.
        for (var length = name.Length - 1; length >= 2; length--)
        {
            if (char.IsLowSurrogate(name[length]))
            {
                continue;
            }

            if (entities.TryGetHtml5(name[..length], out value))
            {
                output.Append(value).Append(name[length..]);
                return end - start;
            }
        }

        output.Append('&').Append(name);
        return end - start;
    }

    private static bool IsNameTerminator(char c) => c is '\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';';

    private static int TryReplaceNumeric(string text, int start, StringBuilder output)
    {
        var i = start + 1;
        var hex = i < text.Length && (text[i] == 'x' || text[i] == 'X');
        if (hex)
        {
            i++;
        }

        var digitsStart = i;
        const int beyondUnicode = 0x110000;
        var value = 0;
        while (i < text.Length && DigitValue(text[i], hex) is var digit && digit >= 0)
        {
            value = Math.Min(beyondUnicode, (value * (hex ? 16 : 10)) + digit);
            i++;
        }

        if (i == digitsStart)
        {
            return 0;
        }

        if (i < text.Length && text[i] == ';')
        {
            i++;
        }

        AppendCodePoint(value, output);
        return i - start;
    }

    private static int DigitValue(char c, bool hex) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' when hex => c - 'a' + 10,
        >= 'A' and <= 'F' when hex => c - 'A' + 10,
        _ => -1,
    };

    private static void AppendCodePoint(int value, StringBuilder output)
    {
        switch (value)
        {
            case 0x00:
                output.Append('\uFFFD');
                return;
            case 0x0D:
                output.Append('\r');
                return;
            case >= 0x80 and <= 0x9F:
                output.Append(Windows1252.DecodeC1(value));
                return;
            case (>= 0xD800 and <= 0xDFFF) or > 0x10FFFF:
                output.Append('\uFFFD');
                return;
        }

        if (IsInvalidCodePoint(value))
        {
            return;
        }

        output.Append(char.ConvertFromUtf32(value));
    }

    private static bool IsInvalidCodePoint(int value) =>
        value is (>= 0x01 and <= 0x08) or 0x0B or (>= 0x0E and <= 0x1F) or 0x7F
            or (>= 0xFDD0 and <= 0xFDEF)
        || (value & 0xFFFE) == 0xFFFE;
}
