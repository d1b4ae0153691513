using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// Splits cleaned text as the reference's <c>findall</c> does with
/// <c>&lt;\|startoftext\|&gt;|&lt;\|endoftext\|&gt;|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+</c>
/// (IGNORECASE), written as a scanner over code points because .NET's regex classes see UTF-16 units.
/// </summary>
internal static class ClipPreTokenizer
{
    public const string StartOfText = "<|startoftext|>";
    public const string EndOfText = "<|endoftext|>";

    private static readonly string[] Literals = [StartOfText, EndOfText, "'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    /// <summary>The (start, length) of each piece, in order.</summary>
    public static IEnumerable<(int Start, int Length)> Split(string text)
    {
        var index = 0;
        while (index < text.Length)
        {
            var length = MatchLiteral(text, index);
            if (length == 0)
            {
                Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
                if (UnicodeClasses.IsLetter(rune))
                {
                    length = RunLength(text, index, UnicodeClasses.IsLetter);
                }
                else if (UnicodeClasses.IsNumber(rune))
                {
                    length = consumed;
                }
                else if (UnicodeClasses.IsRegexWhitespace(rune.Value))
                {
                    index += consumed;
                    continue;
                }
                else
                {
                    length = RunLength(text, index, IsOther);
                }
            }

            yield return (index, length);
            index += length;
        }
    }

    private static bool IsOther(Rune rune) =>
        !UnicodeClasses.IsRegexWhitespace(rune.Value) && !UnicodeClasses.IsLetter(rune) && !UnicodeClasses.IsNumber(rune);

    private static int RunLength(string text, int start, Func<Rune, bool> belongs)
    {
        var index = start;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
            if (!belongs(rune))
            {
                break;
            }

            index += consumed;
        }

        return index - start;
    }

    private static int MatchLiteral(string text, int start)
    {
        var first = text[start];
        if (first != '<' && first != '\'')
        {
            return 0;
        }

        foreach (var literal in Literals)
        {
            if (MatchesIgnoreCase(text, start, literal))
            {
                return literal.Length;
            }
        }

        return 0;
    }

    /// <summary>
    /// Compares under the simple case folding IGNORECASE uses; after lower-casing, the only
    /// char left that folds onto one of these ASCII letters is U+017F (ſ), which folds to 's'.
    /// </summary>
    private static bool MatchesIgnoreCase(string text, int start, string literal)
    {
        if (text.Length - start < literal.Length)
        {
            return false;
        }

        for (var i = 0; i < literal.Length; i++)
        {
            var c = char.ToLowerInvariant(text[start + i]);
            if (c != literal[i] && !(literal[i] == 's' && c == '\u017F'))
            {
                return false;
            }
        }

        return true;
    }
}
