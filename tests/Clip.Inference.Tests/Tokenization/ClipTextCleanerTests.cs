using Clip.Inference.Tokenization;

namespace Clip.Inference.Tests.Tokenization;

public sealed class ClipTextCleanerTests
{
    [Fact]
    public void Clean_LoneSurrogates_BecomeReplacementCharacterPairsSurvive()
    {
        // Built in code: attribute arguments are stored as UTF-8 and cannot carry a lone surrogate.
        var high = ((char)0xD83D).ToString();
        var low = ((char)0xDC36).ToString();

        Assert.Equal("a\uFFFDb", ClipTextCleaner.Clean("a" + high + "b"));
        Assert.Equal("\uFFFD dog \uFFFD", ClipTextCleaner.Clean(low + " dog " + high));
        Assert.Equal(high + low + " ok", ClipTextCleaner.Clean(high + low + " ok"));
    }

    [Theory]
    [InlineData("\u2018single\u2019 \u201Adouble\u201B", "'single' 'double'")]
    [InlineData("\u201Cquoted\u201D \u201Elow\u201F", "\"quoted\" \"low\"")]
    [InlineData("\u02BCtis", "'tis")]
    public void Clean_CurlyQuotes_BecomeAscii(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Theory]
    [InlineData("\uFB01\uFB02\uFB00\uFB03\uFB04\uFB06", "fiflffffifflst")]
    [InlineData("\uFB05", "\u017Ft")]
    [InlineData("\u01C4", "d\u017E")]
    public void Clean_LatinLigatures_Expanded(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Theory]
    [InlineData("\uFF21\uFF22\uFF23\u3000\uFF11\uFF12\uFF01", "abc 12!")]
    [InlineData("\uFF76\uFF9E", "\u30AC")]
    public void Clean_FullWidth_BecomesHalfWidth(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Theory]
    [InlineData("a\u0000b\u0007c\u007Fd\uFEFFe", "abcde")]
    [InlineData("tab\there\nnew\r\nline", "tab here new line")]
    [InlineData("\u001B[31mred\u001B[0m", "red")]
    public void Clean_ControlCharacters_RemovedOrSpaced(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Theory]
    [InlineData("caf\u00C3\u00A9", "caf\u00E9")]
    [InlineData("don\u00E2\u20AC\u2122t", "don't")]
    [InlineData("caf\u00E9", "caf\u00E9")]
    [InlineData("na\u00EFve", "na\u00EFve")]
    public void Clean_Mojibake_RepairedOnlyWhenUnambiguous(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Fact]
    public void Clean_DecomposedAccent_IsComposed() =>
        Assert.Equal("\u00E9", ClipTextCleaner.Clean("e\u0301"));

    [Theory]
    [InlineData("&amp;amp;", "&")]
    [InlineData("Tom &amp; Jerry", "tom & jerry")]
    [InlineData("&lt;b&gt;", "<b>")]
    [InlineData("&copy 2024", "\u00A9 2024")]
    [InlineData("&notit;", "\u00ACit;")]
    [InlineData("&#39;&#x41;&#X42", "'ab")]
    [InlineData("&#0;", "\uFFFD")]
    [InlineData("&#128;", "\u20AC")]
    [InlineData("&#x110000;", "\uFFFD")]
    [InlineData("a&#1;b", "ab")]
    [InlineData("&bogus;", "&bogus;")]
    [InlineData("&EACUTE;", "\u00E9")]
    public void Clean_HtmlEntities_UnescapedAsPython(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Fact]
    public void Clean_HtmlMarkupPresent_FtfyLeavesEntitiesSoOnlyTwoRoundsApply() =>
        Assert.Equal("<b>&amp;</b>", ClipTextCleaner.Clean("<b>&amp;amp;amp;</b>"));

    [Theory]
    [InlineData("  a \u00A0\u2003\u3000 b  ", "a b")]
    [InlineData("a\u2028b\u2029c\u0085d", "a b c\u2026d")]
    [InlineData("\u000B\u000Ca", "a")]
    [InlineData("", "")]
    [InlineData(" \t\n ", "")]
    public void Clean_Whitespace_CollapsedAndStripped(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));

    [Theory]
    [InlineData("\u0130stanbul", "i\u0307stanbul")]
    [InlineData("\u039F\u0394\u039F\u03A3", "\u03BF\u03B4\u03BF\u03C2")]
    [InlineData("\u03A3\u0391", "\u03C3\u03B1")]
    [InlineData("\u03A3", "\u03C3")]
    [InlineData("\u0391.\u03A3.", "\u03B1.\u03C2.")]
    [InlineData("STRASSE \u1E9E", "strasse \u00DF")]
    [InlineData("\U00010400", "\U00010428")]
    public void Clean_Uppercase_LoweredLikePython(string input, string expected) =>
        Assert.Equal(expected, ClipTextCleaner.Clean(input));
}
