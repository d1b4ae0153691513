using System.Globalization;
using System.Text;

namespace Clip.Cli;

/// <summary>
/// Parses one JSON string literal. Unlike System.Text.Json it keeps lone surrogate escapes
/// (<c>"\ud83d"</c>), which Python's json module writes and the tokenizer must still answer for.
/// </summary>
internal static class JsonStringLiteral
{
    public static bool TryParse(string line, out string value, out string error)
    {
        value = string.Empty;
        var text = line.Trim();
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            error = "expected a JSON string in double quotes";
            return false;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 1; i < text.Length - 1; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                error = string.Create(CultureInfo.InvariantCulture, $"unescaped quote at column {i + 1}");
                return false;
            }

            if (c < ' ')
            {
                error = string.Create(CultureInfo.InvariantCulture, $"unescaped control character at column {i + 1}");
                return false;
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (++i >= text.Length - 1)
            {
                error = "string ends inside an escape";
                return false;
            }

            switch (text[i])
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u' when i + 4 < text.Length - 1
                    && ushort.TryParse(text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    builder.Append((char)code);
                    i += 4;
                    break;
                default:
                    error = string.Create(CultureInfo.InvariantCulture, $"invalid escape at column {i}");
                    return false;
            }
        }

        value = builder.ToString();
        error = string.Empty;
        return true;
    }
}
