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
        AppendBpeIds(text, ids);
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
        AppendBpeIds(text, ids);
        return ids.AsReadOnly();
    }

    private void AppendBpeIds(string text, List<int> ids)
    {
        var cleaned = ClipTextCleaner.Clean(text);
        foreach (var (start, length) in ClipPreTokenizer.Split(cleaned))
        {
            ids.AddRange(EncodeWord(cleaned.Substring(start, length)));
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
        if (_cache.Count < MaxCachedWords)
        {
            _cache.TryAdd(word, ids);
        }

        return ids;
    }
}
