using BenchmarkDotNet.Attributes;
using Clip.Inference.Tokenization;
using Clip.TestUtilities;

namespace Clip.Benchmarks;

/// <summary>Prompt encoding: the zero-shot classifier encodes thousands of template × class prompts.</summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private ClipTokenizer _tokenizer = null!;
    private string[] _unique = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _tokenizer = new ClipTokenizer(ClipVocabulary.LoadOpenAiBpe(Path.Combine(TestPaths.BundledModel, "bpe_simple_vocab_16e6.txt.gz")));
        _tokenizer.Encode("a photo of a golden retriever.");
        _unique = [.. Enumerable.Range(0, 1_000_000).Select(i => $"a photo of a zq{i}x.")];
    }

    [Benchmark(Description = "prompt, words cached")]
    public TokenizedText CachedPrompt() => _tokenizer.Encode("a photo of a golden retriever.");

    [Benchmark(Description = "prompt with an unseen word")]
    public TokenizedText UnseenWord() => _tokenizer.Encode(_unique[_next++ % _unique.Length]);

    [Benchmark(Description = "messy text (entities, curly quotes, emoji)")]
    public TokenizedText MessyText() => _tokenizer.Encode("Tom &amp; Jerry’s “café” — ﬁne 🐶🐱 ＦＵＬＬ width!");
}
