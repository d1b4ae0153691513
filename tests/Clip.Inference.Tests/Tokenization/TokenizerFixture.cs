using System.Reflection;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Tests.Tokenization;

/// <summary>The bundled OpenAI vocabulary, loaded once for all tokenizer tests.</summary>
internal static class TokenizerFixture
{
    public static string VocabPath { get; } =
        Path.Combine(AppContext.BaseDirectory, "models", "tiny-clip", "bpe_simple_vocab_16e6.txt.gz");

    private static readonly Lazy<ClipVocabulary> SharedVocabulary = new(() => ClipVocabulary.LoadOpenAiBpe(VocabPath));

    public static ClipVocabulary Vocabulary => SharedVocabulary.Value;

    public static ClipTokenizer CreateTokenizer() => new(Vocabulary);

    public static IEnumerable<string> ReadResourceLines(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded resource '{name}' is missing.");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }
}
