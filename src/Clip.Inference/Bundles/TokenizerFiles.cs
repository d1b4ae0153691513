namespace Clip.Inference.Bundles;

/// <summary>Where a bundle keeps its BPE vocabulary: OpenAI's gzip file or Hugging Face's vocab.json + merges.txt.</summary>
public abstract record TokenizerFiles
{
    private TokenizerFiles()
    {
    }

    /// <summary>OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c>.</summary>
    public sealed record OpenAiBpe(string GzipPath) : TokenizerFiles;

    /// <summary>Hugging Face's <c>vocab.json</c> and <c>merges.txt</c>.</summary>
    public sealed record HuggingFace(string VocabJsonPath, string MergesPath) : TokenizerFiles;
}
