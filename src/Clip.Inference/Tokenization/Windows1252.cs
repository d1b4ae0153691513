namespace Clip.Inference.Tokenization;

/// <summary>
/// "Sloppy" Windows-1252 as ftfy and Python's html module use it: the five bytes that
/// Windows-1252 leaves undefined map to the C1 control with the same number.
/// </summary>
internal static class Windows1252
{
    private static readonly char[] HighHalf =
    [
        '\u20AC', '\u0081', '\u201A', '\u0192', '\u201E', '\u2026', '\u2020', '\u2021',
        '\u02C6', '\u2030', '\u0160', '\u2039', '\u0152', '\u008D', '\u017D', '\u008F',
        '\u0090', '\u2018', '\u2019', '\u201C', '\u201D', '\u2022', '\u2013', '\u2014',
        '\u02DC', '\u2122', '\u0161', '\u203A', '\u0153', '\u009D', '\u017E', '\u0178',
    ];

    private static readonly Dictionary<char, byte> Encoding = BuildEncoding();

    /// <summary>The character a byte 0x80–0x9F stands for.</summary>
    public static char DecodeC1(int value) => HighHalf[value - 0x80];

    public static bool TryEncode(char c, out byte value)
    {
        if (c < 0x80 || (c >= 0xA0 && c <= 0xFF))
        {
            value = (byte)c;
            return true;
        }

        return Encoding.TryGetValue(c, out value);
    }

    private static Dictionary<char, byte> BuildEncoding()
    {
        var map = new Dictionary<char, byte>(HighHalf.Length);
        for (var i = 0; i < HighHalf.Length; i++)
        {
            map[HighHalf[i]] = (byte)(0x80 + i);
        }

        return map;
    }
}
