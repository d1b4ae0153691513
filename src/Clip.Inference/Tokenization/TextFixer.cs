using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// The subset of <c>ftfy.fix_text</c> (default settings) that CLIP's reference cleaner relies on,
/// applied in ftfy's order and repeated until the text stops changing, as ftfy does.
/// Not covered: ftfy's heuristic mojibake detection beyond whole-line re-encoding, lossy-sequence
/// repair, byte-A0 restoration and surrogate repair.
/// </summary>
internal static class TextFixer
{
    private const int MaxPasses = 16;

    private static readonly Dictionary<char, string> Ligatures = new()
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi",
        ['\uFB04'] = "ffl", ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    };

    private static readonly Dictionary<char, string> Widths = BuildWidthMap();

    public static string Fix(string text)
    {
        text = ReplaceLoneSurrogates(text);
        // ftfy leaves entities alone in text that looks like HTML markup.
        var unescapeHtml = !text.Contains('<', StringComparison.Ordinal);
        for (var pass = 0; pass < MaxPasses; pass++)
        {
            var before = text;
            if (unescapeHtml)
            {
                text = FtfyHtmlUnescaper.Unescape(text);
            }

            text = TerminalEscapes.Remove(text);
            text = MojibakeRepair.Repair(text);
            text = MapChars(text, FixC1Control);
            text = MapChars(text, c => Ligatures.GetValueOrDefault(c));
            text = MapChars(text, c => Widths.GetValueOrDefault(c));
            text = MapChars(text, UncurlQuote);
            text = FixLineBreaks(text);
            text = MapChars(text, c => IsControl(c) ? string.Empty : null);
            text = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
            if (string.Equals(before, text, StringComparison.Ordinal))
            {
                break;
            }
        }

        return text;
    }

    /// <summary>A lone UTF-16 surrogate is no character at all (Python cannot even UTF-8 encode it); U+FFFD stands in.</summary>
    private static string ReplaceLoneSurrogates(string text)
    {
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(text, i++, 2);
            }
            else
            {
                builder.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
            }
        }

        return builder.ToString();
    }

    private static string? FixC1Control(char c) =>
        c is >= '\u0080' and <= '\u009F' ? Windows1252.DecodeC1(c).ToString() : null;

    private static string? UncurlQuote(char c) => c switch
    {
        '\u02BC' or (>= '\u2018' and <= '\u201B') => "'",
        >= '\u201C' and <= '\u201F' => "\"",
        _ => null,
    };

    private static bool IsControl(char c) =>
        c is (>= '\u0000' and <= '\u0008') or '\u000B' or (>= '\u000E' and <= '\u001F') or '\u007F'
            or (>= '\u206A' and <= '\u206F') or '\uFEFF' or (>= '\uFFF9' and <= '\uFFFC');

    private static string FixLineBreaks(string text) =>
        text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace('\r', '\n')
            .Replace('\u2028', '\n')
            .Replace('\u2029', '\n')
            .Replace('\u0085', '\n');

    /// <summary>Replaces each char for which <paramref name="replace"/> returns non-null; allocates only when something changes.</summary>
    private static string MapChars(string text, Func<char, string?> replace)
    {
        StringBuilder? builder = null;
        for (var i = 0; i < text.Length; i++)
        {
            var replacement = replace(text[i]);
            if (replacement is null)
            {
                builder?.Append(text[i]);
                continue;
            }

            builder ??= new StringBuilder(text.Length).Append(text, 0, i);
            builder.Append(replacement);
        }

        return builder?.ToString() ?? text;
    }

    private static Dictionary<char, string> BuildWidthMap()
    {
        // ftfy's fix_character_width: U+3000 and every char in U+FF01–U+FFEF whose NFKC form differs.
        var map = new Dictionary<char, string> { ['\u3000'] = " " };
        for (var c = '\uFF01'; c <= '\uFFEF'; c++)
        {
            var original = c.ToString();
            var alternate = original.Normalize(NormalizationForm.FormKC);
            if (!string.Equals(alternate, original, StringComparison.Ordinal))
            {
                map[c] = alternate;
            }
        }

        return map;
    }
}
