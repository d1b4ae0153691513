using System.Globalization;
using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// The character classes of the reference's regular expressions (Python <c>regex</c> module),
/// by code point rather than UTF-16 unit so that astral letters and emoji classify correctly.
/// </summary>
internal static class UnicodeClasses
{
    /// <summary><c>\p{L}</c>: Lu, Ll, Lt, Lm, Lo.</summary>
    public static bool IsLetter(Rune rune) => Rune.GetUnicodeCategory(rune) <= UnicodeCategory.OtherLetter;

    /// <summary><c>\p{N}</c>: Nd, Nl, No.</summary>
    public static bool IsNumber(Rune rune) =>
        Rune.GetUnicodeCategory(rune) is UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary><c>\s</c> of the <c>regex</c> module: the Unicode White_Space property.</summary>
    public static bool IsRegexWhitespace(int codePoint) => codePoint switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };

    /// <summary>Python's <c>str.isspace</c> (what <c>str.strip()</c> removes): White_Space plus U+001C–U+001F.</summary>
    public static bool IsPythonSpace(int codePoint) => IsRegexWhitespace(codePoint) || codePoint is >= 0x1C and <= 0x1F;
}
