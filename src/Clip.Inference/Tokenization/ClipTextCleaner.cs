using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// The text normalisation of OpenAI's <c>simple_tokenizer.py</c>: <c>ftfy.fix_text</c>, two rounds of
/// <c>html.unescape</c>, strip, whitespace runs to one space, then Python's <c>str.lower()</c>.
/// </summary>
public static class ClipTextCleaner
{
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fixedText = TextFixer.Fix(text);
        var unescaped = HtmlUnescaper.Unescape(HtmlUnescaper.Unescape(fixedText));
        var collapsed = CollapseWhitespace(unescaped);
        return PythonLowercase.ToLower(collapsed);
    }

    /// <summary><c>re.sub(r'\s+', ' ', text.strip()).strip()</c> with the reference's notions of space.</summary>
    internal static string CollapseWhitespace(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        var index = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
            if (UnicodeClasses.IsRegexWhitespace(rune.Value))
            {
                pendingSpace = builder.Length > 0;
            }
            else
            {
                if (pendingSpace)
                {
                    builder.Append(' ');
                    pendingSpace = false;
                }

                builder.Append(text, index, consumed);
            }

            index += consumed;
        }

        return TrimPythonSpace(builder.ToString());
    }

    private static string TrimPythonSpace(string text)
    {
        var start = 0;
        var end = text.Length;
        while (start < end && UnicodeClasses.IsPythonSpace(text[start]))
        {
            start++;
        }

        while (end > start && UnicodeClasses.IsPythonSpace(text[end - 1]))
        {
            end--;
        }

        return start == 0 && end == text.Length ? text : text[start..end];
    }
}
