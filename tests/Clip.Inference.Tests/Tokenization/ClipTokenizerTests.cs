using Clip.Inference.Tokenization;

namespace Clip.Inference.Tests.Tokenization;

public sealed class ClipTokenizerTests
{
    private readonly ClipTokenizer _tokenizer = TokenizerFixture.CreateTokenizer();

    [Theory]
    [InlineData("a photo of a dog.", new[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407 })]
    [InlineData("A Photo Of A DOG.", new[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407 })]
    [InlineData("a photo of a hot dog, a type of food.", new[] { 49406, 320, 1125, 539, 320, 2069, 1929, 267, 320, 3877, 539, 1559, 269, 49407 })]
    [InlineData("🐶 dog", new[] { 49406, 10631, 1929, 49407 })]
    [InlineData("Tom &amp; Jerry", new[] { 49406, 2435, 261, 9164, 49407 })]
    [InlineData("", new[] { 49406, 49407 })]
    [InlineData("<|endoftext|>", new[] { 49406, 49407, 49407 })]
    public void Encode_OpenAiExamples_MatchReferenceIds(string text, int[] expected)
    {
        var result = _tokenizer.Encode(text);

        Assert.Equal(expected, result.Ids);
        Assert.False(result.Truncated);
        Assert.Equal(text, result.Text);
    }

    [Fact]
    public void EncodeToIds_Text_HasNoSpecialTokensAndIsNotTruncated()
    {
        var ids = _tokenizer.EncodeToIds(string.Join(' ', Enumerable.Repeat("photo", 100)));

        Assert.Equal(100, ids.Count);
        Assert.All(ids, id => Assert.Equal(1125, id));
    }

    [Fact]
    public void Encode_LongText_TruncatedToContextLengthEndingWithEndOfText()
    {
        var result = _tokenizer.Encode(string.Join(' ', Enumerable.Repeat("photo", 100)));

        Assert.True(result.Truncated);
        Assert.Equal(ClipTokenizer.DefaultContextLength, result.Ids.Count);
        Assert.Equal(49406, result.Ids[0]);
        Assert.Equal(49407, result.Ids[^1]);
        Assert.All(result.Ids.Skip(1).Take(75), id => Assert.Equal(1125, id));
    }

    [Fact]
    public void Encode_HostileRunOfLetters_FinishesTruncated()
    {
        // Reference BPE is quadratic in word length: a 300,000-letter word would take hours there.
        var result = _tokenizer.Encode(new string('x', 300_000) + " dog");

        Assert.True(result.Truncated);
        Assert.Equal(77, result.Ids.Count);
        Assert.Equal(49407, result.Ids[^1]);
    }

    [Fact]
    public void Encode_MegabytesOfWords_SameIdsAsTheFirstWordsAlone()
    {
        var head = string.Join(' ', Enumerable.Range(0, 80).Select(i => $"word{i}"));
        var huge = head + string.Concat(Enumerable.Repeat(" more words here", 200_000));

        Assert.Equal(_tokenizer.Encode(head).Ids, _tokenizer.Encode(huge).Ids);
    }

    [Fact]
    public void Encode_ExactlyContextLength_NotTruncated()
    {
        var result = _tokenizer.Encode(string.Join(' ', Enumerable.Repeat("photo", 75)));

        Assert.False(result.Truncated);
        Assert.Equal(77, result.Ids.Count);
    }

    [Fact]
    public void Encode_CustomContextLength_TruncatesThere()
    {
        var result = _tokenizer.Encode("a photo of a dog.", contextLength: 4);

        Assert.Equal(new[] { 49406, 320, 1125, 49407 }, result.Ids);
        Assert.True(result.Truncated);
    }

    [Fact]
    public void ToPaddedInt64_ShortText_ZeroPaddedToContextLength()
    {
        var padded = _tokenizer.Encode("a photo of a dog.").ToPaddedInt64(77);

        Assert.Equal(77, padded.Length);
        Assert.Equal(new long[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407 }, padded[..8]);
        Assert.All(padded[8..], value => Assert.Equal(0L, value));
    }

    [Fact]
    public void ToPaddedInt64_ContextShorterThanIds_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _tokenizer.Encode("a photo of a dog.").ToPaddedInt64(4));

    [Fact]
    public void Encode_ParallelCalls_GiveSameIdsAsSequential()
    {
        var texts = Enumerable.Range(0, 400).Select(i => $"a photo of a thing number {i}, ΟΔΟΣ 🐶 日本 {i % 7}").ToArray();
        var sequential = texts.Select(text => TokenizerFixture.CreateTokenizer().Encode(text).Ids.ToArray()).ToArray();
        var shared = TokenizerFixture.CreateTokenizer();

        var parallel = new int[texts.Length][];
        Parallel.For(0, texts.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            parallel[i % texts.Length] = shared.Encode(texts[i % texts.Length]).Ids.ToArray());

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(sequential[i], parallel[i]);
        }
    }
}
