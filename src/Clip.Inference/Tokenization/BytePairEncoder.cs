using System.Buffers;
using System.Text;

namespace Clip.Inference.Tokenization;

/// <summary>
/// The reference's <c>bpe()</c> for one word, on token ids instead of strings: start from one symbol
/// per UTF-8 byte (the last marked end-of-word), then repeatedly merge every left-to-right occurrence
/// of the adjacent pair with the lowest merge rank until no ranked pair is left.
/// </summary>
internal static class BytePairEncoder
{
    private const int StackLimit = 256;

    public static int[] Encode(ReadOnlySpan<char> word, ClipVocabulary vocabulary)
    {
        var byteCount = Encoding.UTF8.GetByteCount(word);
        byte[]? rented = byteCount > StackLimit ? ArrayPool<byte>.Shared.Rent(byteCount) : null;
        var bytes = rented is null ? stackalloc byte[byteCount] : rented.AsSpan(0, byteCount);
        try
        {
            Encoding.UTF8.GetBytes(word, bytes);
            var symbols = new int[byteCount];
            for (var i = 0; i < byteCount; i++)
            {
                symbols[i] = vocabulary.ByteId(bytes[i], endOfWord: i == byteCount - 1);
            }

            var count = MergeAll(symbols, vocabulary);
            return count == symbols.Length ? symbols : symbols[..count];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int MergeAll(int[] symbols, ClipVocabulary vocabulary)
    {
        var count = symbols.Length;
        while (count > 1)
        {
            var best = new MergeRule(int.MaxValue, -1);
            int first = -1, second = -1;
            for (var i = 0; i < count - 1; i++)
            {
                if (vocabulary.TryGetMerge(symbols[i], symbols[i + 1], out var rule) && rule.Rank < best.Rank)
                {
                    best = rule;
                    first = symbols[i];
                    second = symbols[i + 1];
                }
            }

            if (best.MergedId < 0)
            {
                break;
            }

            var write = 0;
            for (var read = 0; read < count; write++)
            {
                if (read < count - 1 && symbols[read] == first && symbols[read + 1] == second)
                {
                    symbols[write] = best.MergedId;
                    read += 2;
                }
                else
                {
                    symbols[write] = symbols[read];
                    read++;
                }
            }

            count = write;
        }

        return count;
    }
}
