using System.Text.RegularExpressions;

namespace Clip.Inference.Tokenization;

/// <summary>ftfy's <c>remove_terminal_escapes</c>: drops ANSI "ESC [ digits/; letter" sequences.</summary>
internal static partial class TerminalEscapes
{
    public static string Remove(string text) =>
        text.Contains('\u001B', StringComparison.Ordinal) ? AnsiEscape().Replace(text, string.Empty) : text;

    [GeneratedRegex(@"\u001B\[[0-9;]*[a-zA-Z]", RegexOptions.CultureInvariant)]
    private static partial Regex AnsiEscape();
}
