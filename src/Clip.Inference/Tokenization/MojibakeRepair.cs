using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// Undoes UTF-8 text that was decoded as Windows-1252 or Latin-1 ("cafÃ©" → "café"), line by line,
/// but only where that is unambiguous: every char of the line re-encodes to one byte and the bytes
/// are valid UTF-8 containing at least one multi-byte sequence.
/// </summary>
internal static class MojibakeRepair
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Repair(string text)
    {
        if (!HasNonAscii(text))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        var start = 0;
        while (start < text.Length)
        {
            var newline = text.IndexOf('\n', start);
            var end = newline < 0 ? text.Length : newline + 1;
            builder.Append(RepairLine(text[start..end]));
            start = end;
        }

        return builder.ToString();
    }

    private static string RepairLine(string line)
    {
        if (!HasNonAscii(line))
        {
            return line;
        }

        return TryReencode(line, Windows1252.TryEncode) ?? TryReencode(line, TryEncodeLatin1) ?? line;
    }

    private delegate bool ByteEncoder(char c, out byte value);

    private static string? TryReencode(string line, ByteEncoder encode)
    {
        var bytes = new byte[line.Length];
        for (var i = 0; i < line.Length; i++)
        {
            if (!encode(line[i], out bytes[i]))
            {
                return null;
            }
        }

        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    private static bool TryEncodeLatin1(char c, out byte value)
    {
        value = (byte)c;
        return c <= '\u00FF';
    }

    private static bool HasNonAscii(string text) => !Ascii.IsValid(text);
}
