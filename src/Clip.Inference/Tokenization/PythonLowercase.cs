using System.Globalization;
using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// Python's <c>str.lower()</c>: .NET's invariant simple case mapping plus the two places where
/// Python differs, the full mapping of U+0130 (İ → i + U+0307) and the Final_Sigma rule for Σ.
/// </summary>
internal static class PythonLowercase
{
    private const int CapitalSigma = 0x03A3;
    private const int CapitalIWithDot = 0x0130;

    public static string ToLower(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text.ToLowerInvariant();
        }

        var builder = new StringBuilder(text.Length);
        var index = 0;
        while (index < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(index), out var rune, out var consumed);
            switch (rune.Value)
            {
                case CapitalIWithDot:
                    builder.Append("i\u0307");
                    break;
                case CapitalSigma:
                    builder.Append(IsFinalSigma(text, index) ? '\u03C2' : '\u03C3');
                    break;
                default:
                    AppendRune(builder, Rune.ToLowerInvariant(rune));
                    break;
            }

            index += consumed;
        }

        return builder.ToString();
    }

    /// <summary>Unicode's Final_Sigma: a cased letter before (skipping case-ignorables) and none after.</summary>
    private static bool IsFinalSigma(string text, int sigmaIndex) =>
        PrecededByCased(text, sigmaIndex) && !FollowedByCased(text, sigmaIndex + 1);

    private static bool PrecededByCased(string text, int end)
    {
        while (end > 0)
        {
            Rune.DecodeLastFromUtf16(text.AsSpan(0, end), out var previous, out var consumed);
            end -= consumed;
            if (!IsCaseIgnorable(previous))
            {
                return IsCased(previous);
            }
        }

        return false;
    }

    private static bool FollowedByCased(string text, int start)
    {
        while (start < text.Length)
        {
            Rune.DecodeFromUtf16(text.AsSpan(start), out var next, out var consumed);
            start += consumed;
            if (!IsCaseIgnorable(next))
            {
                return IsCased(next);
            }
        }

        return false;
    }

    /// <summary>Cased: Lu, Ll, Lt, letters with a case mapping, and the Other_Lowercase / Other_Uppercase chars that are not case-ignorable.</summary>
    internal static bool IsCased(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        || Rune.ToLowerInvariant(rune) != rune
        || Rune.ToUpperInvariant(rune) != rune
        || rune.Value is 0xAA or 0xBA or (>= 0x1F130 and <= 0x1F149) or (>= 0x1F150 and <= 0x1F169) or (>= 0x1F170 and <= 0x1F189);

    /// <summary>Case_Ignorable: Mn, Me, Cf, Lm, Sk and the Word_Break MidLetter / MidNumLet / Single_Quote chars.</summary>
    internal static bool IsCaseIgnorable(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || rune.Value is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;

    private static void AppendRune(StringBuilder builder, Rune rune)
    {
        Span<char> buffer = stackalloc char[2];
        builder.Append(buffer[..rune.EncodeToUtf16(buffer)]);
    }
}
