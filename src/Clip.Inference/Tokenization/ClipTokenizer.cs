using System.Collections.Concurrent;

namespace Clip.Inference.Tokenization;

/// <summary>
/// OpenAI CLIP's tokenizer (<c>simple_tokenizer.py</c> + <c>clip.tokenize(truncate=True)</c>).
/// Thread-safe; BPE results are cached per word.
/// </summary>
public sealed class ClipTokenizer
{
    public const int DefaultContextLength = 77;

    /// <summary>Past this many cached words new words are encoded without being cached.</summary>
    internal const int MaxCachedWords = 100_000;

    /// <summary>Longer words are not cached: prompts never hold them and they would pin memory.</summary>
    internal const int MaxCachedWordLength = 64;

    /// <summary>
    /// BPE is quadratic in a word's length, so a hostile run of letters is encoded in pieces of this
    /// many characters; merges cannot cross a piece boundary, so ids of such words can differ from the
    /// reference's — which would take minutes or hours on them.
    /// </summary>
    internal const int MaxBpeWordLength = 1_000;

    private readonly ClipVocabulary _vocabulary;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public ClipTokenizer(ClipVocabulary vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        _vocabulary = vocabulary;
    }

    public TokenizedText Encode(string text, int contextLength = DefaultContextLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);

        var ids = new List<int> { _vocabulary.StartOfTextId };
        // Ids past the context are cut anyway; stopping once there is one too many keeps the result exact.
        AppendBpeIds(text, ids, stopAfter: contextLength);
        ids.Add(_vocabulary.EndOfTextId);

        var truncated = ids.Count > contextLength;
        if (truncated)
        {
            ids.RemoveRange(contextLength, ids.Count - contextLength);
            ids[^1] = _vocabulary.EndOfTextId;
        }

        return new TokenizedText(text, ids.AsReadOnly(), truncated);
    }

    public IReadOnlyList<int> EncodeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        AppendBpeIds(text, ids, stopAfter: int.MaxValue);
        return ids.AsReadOnly();
    }

    private void AppendBpeIds(string text, List<int> ids, int stopAfter)
    {
        var cleaned = ClipTextCleaner.Clean(text);
        foreach (var (start, length) in ClipPreTokenizer.Split(cleaned))
        {
            if (ids.Count > stopAfter)
            {
                return;
            }

            if (length <= MaxBpeWordLength)
            {
                ids.AddRange(EncodeWord(cleaned.Substring(start, length)));
                continue;
            }

            for (int piece = 0, pieceLength; piece < length && ids.Count <= stopAfter; piece += pieceLength)
            {
                pieceLength = Math.Min(MaxBpeWordLength, length - piece);
                if (char.IsHighSurrogate(cleaned[start + piece + pieceLength - 1]) && pieceLength < length - piece)
                {
                    pieceLength++;
                }

                ids.AddRange(BytePairEncoder.Encode(cleaned.AsSpan(start + piece, pieceLength), _vocabulary));
            }
        }
    }

    private int[] EncodeWord(string word)
    {
        if (_cache.TryGetValue(word, out var cached))
        {
            return cached;
        }

        // The reference pre-seeds its cache so that the two special tokens map straight to their ids.
        var ids = word is ClipPreTokenizer.StartOfText or ClipPreTokenizer.EndOfText && _vocabulary.TryGetId(word, out var special)
            ? [special]
            : BytePairEncoder.Encode(word, _vocabulary);
        if (word.Length <= MaxCachedWordLength && _cache.Count < MaxCachedWords)
        {
            _cache.TryAdd(word, ids);
        }

        return ids;
    }
}
