namespace Clip.Inference.Tokenization;

/// <summary>
/// GPT-2's reversible byte → printable-char table: bytes in '!'..'~', '¡'..'¬' and '®'..'ÿ' stand for
/// themselves, the remaining bytes for U+0100 onwards in byte order. <see cref="Ordered"/> lists the
/// symbols in the table's order, which is the order of the first 256 vocabulary entries.
/// </summary>
internal static class ByteSymbols
{
    public static readonly IReadOnlyList<(byte Byte, string Symbol)> Ordered = Build();

    private static (byte, string)[] Build()
    {
        var printable = new List<int>();
        printable.AddRange(Enumerable.Range('!', '~' - '!' + 1));
        printable.AddRange(Enumerable.Range('¡', '¬' - '¡' + 1));
        printable.AddRange(Enumerable.Range('®', 'ÿ' - '®' + 1));
        var printableSet = printable.ToHashSet();

        var table = printable.Select(b => ((byte)b, ((char)b).ToString())).ToList();
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            if (!printableSet.Contains(b))
            {
                table.Add(((byte)b, ((char)next++).ToString()));
            }
        }

        return [.. table];
    }
}
