using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Tests.Tokenization;

public sealed class ClipVocabularyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clip-vocab-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void LoadOpenAiBpe_BundledFile_HasClipSizeAndSpecialIds()
    {
        var vocabulary = TokenizerFixture.Vocabulary;

        Assert.Equal(49408, vocabulary.Count);
        Assert.Equal(49406, vocabulary.StartOfTextId);
        Assert.Equal(49407, vocabulary.EndOfTextId);
    }

    [Fact]
    public void LoadHuggingFace_FilesDerivedFromOpenAiFile_GiveIdenticalIds()
    {
        var (vocabJson, mergesTxt) = WriteHuggingFaceFiles(withVersionHeader: true);
        var huggingFace = new ClipTokenizer(ClipVocabulary.LoadHuggingFace(vocabJson, mergesTxt));
        var openAi = TokenizerFixture.CreateTokenizer();

        foreach (var text in SampleTexts)
        {
            Assert.Equal(openAi.Encode(text).Ids, huggingFace.Encode(text).Ids);
        }
    }

    [Fact]
    public void LoadHuggingFace_MergesWithoutVersionHeader_Loads()
    {
        var (vocabJson, mergesTxt) = WriteHuggingFaceFiles(withVersionHeader: false);

        var vocabulary = ClipVocabulary.LoadHuggingFace(vocabJson, mergesTxt);

        Assert.Equal(new[] { 49406, 320, 1125, 539, 320, 1929, 269, 49407 }, new ClipTokenizer(vocabulary).Encode("a photo of a dog.").Ids);
    }

    [Fact]
    public void LoadOpenAiBpe_MissingFile_ThrowsNamingFile()
    {
        var path = Path.Combine(_folder, "missing.txt.gz");

        var exception = Assert.Throws<FileNotFoundException>(() => ClipVocabulary.LoadOpenAiBpe(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadHuggingFace_MissingMerges_ThrowsNamingFile()
    {
        var (vocabJson, _) = WriteHuggingFaceFiles(withVersionHeader: true);
        var path = Path.Combine(_folder, "nope.txt");

        var exception = Assert.Throws<FileNotFoundException>(() => ClipVocabulary.LoadHuggingFace(vocabJson, path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOpenAiBpe_MalformedMergeLine_ThrowsWithPathAndLine()
    {
        var lines = ReadOpenAiLines();
        lines[4] = "nospace";
        var path = Path.Combine(_folder, "bad.txt.gz");
        WriteGzip(path, lines);

        var exception = Assert.Throws<InvalidDataException>(() => ClipVocabulary.LoadOpenAiBpe(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 5", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOpenAiBpe_TooFewMerges_ThrowsWithPath()
    {
        var path = Path.Combine(_folder, "short.txt.gz");
        WriteGzip(path, ReadOpenAiLines().Take(100).ToList());

        var exception = Assert.Throws<InvalidDataException>(() => ClipVocabulary.LoadOpenAiBpe(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOpenAiBpe_NotGzip_ThrowsWithPath()
    {
        var path = Path.Combine(_folder, "plain.txt.gz");
        File.WriteAllText(path, "this is not gzip at all, just text");

        var exception = Assert.Throws<InvalidDataException>(() => ClipVocabulary.LoadOpenAiBpe(path));

        Assert.Contains(path, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadHuggingFace_MalformedMergeLine_ThrowsWithPathAndLine()
    {
        var (vocabJson, mergesTxt) = WriteHuggingFaceFiles(withVersionHeader: true);
        var lines = File.ReadAllLines(mergesTxt);
        lines[2] = "a b c";
        File.WriteAllLines(mergesTxt, lines);

        var exception = Assert.Throws<InvalidDataException>(() => ClipVocabulary.LoadHuggingFace(vocabJson, mergesTxt));

        Assert.Contains(mergesTxt, exception.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadHuggingFace_InvalidJson_ThrowsWithPath()
    {
        var (vocabJson, mergesTxt) = WriteHuggingFaceFiles(withVersionHeader: true);
        File.WriteAllText(vocabJson, "{ \"a\": ");

        var exception = Assert.Throws<InvalidDataException>(() => ClipVocabulary.LoadHuggingFace(vocabJson, mergesTxt));

        Assert.Contains(vocabJson, exception.Message, StringComparison.Ordinal);
    }

    private static readonly string[] SampleTexts =
    [
        "a photo of a dog.", "a photo of a hot dog, a type of food.", "🐶 dog", "Tom &amp; Jerry",
        "日本語のテキスト", "Привет, мир!", "supercalifragilisticexpialidocious", "<|endoftext|>", "",
    ];

    private static List<string> ReadOpenAiLines()
    {
        using var gzip = new GZipStream(File.OpenRead(TokenizerFixture.VocabPath), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return [.. reader.ReadToEnd().Split('\n')];
    }

    private static void WriteGzip(string path, List<string> lines)
    {
        using var gzip = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }

    /// <summary>Writes vocab.json / merges.txt the way Hugging Face ships CLIP's tokenizer, derived from the OpenAI file.</summary>
    private (string VocabJson, string MergesTxt) WriteHuggingFaceFiles(bool withVersionHeader)
    {
        var merges = ReadOpenAiLines().Skip(1).Take(ClipVocabulary.OpenAiMergeCount).ToList();
        var tokens = ByteSymbols.Ordered.Select(entry => entry.Symbol)
            .Concat(ByteSymbols.Ordered.Select(entry => entry.Symbol + "</w>"))
            .Concat(merges.Select(merge => merge.Replace(" ", string.Empty, StringComparison.Ordinal)))
            .Append("<|startoftext|>")
            .Append("<|endoftext|>")
            .ToList();
        var ids = new Dictionary<string, int>();
        for (var id = 0; id < tokens.Count; id++)
        {
            ids[tokens[id]] = id;
        }

        var vocabJson = Path.Combine(_folder, "vocab.json");
        var mergesTxt = Path.Combine(_folder, "merges.txt");
        File.WriteAllText(vocabJson, JsonSerializer.Serialize(ids));
        File.WriteAllLines(mergesTxt, withVersionHeader ? merges.Prepend("#version: 0.2") : merges);
        return (vocabJson, mergesTxt);
    }
}
