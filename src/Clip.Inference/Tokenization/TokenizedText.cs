namespace Clip.Inference.Tokenization;

/// <summary>The ids of one text: start-of-text, its BPE ids, end-of-text; not padded.</summary>
/// <param name="Text">The text as given.</param>
/// <param name="Ids">Start-of-text + BPE ids + end-of-text, at most the context length.</param>
/// <param name="Truncated">Whether ids were cut to fit the context length (the last one is then end-of-text).</param>
public sealed record TokenizedText(string Text, IReadOnlyList<int> Ids, bool Truncated)
{
    /// <summary>The ids zero-padded to <paramref name="contextLength"/>, as OpenAI's <c>clip.tokenize</c> returns them.</summary>
    public long[] ToPaddedInt64(int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, Ids.Count);
        var padded = new long[contextLength];
        for (var i = 0; i < Ids.Count; i++)
        {
            padded[i] = Ids[i];
        }

        return padded;
    }
}
