using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace Clip.Inference.Tokenization;

/// <summary>
/// CLIP's byte-level BPE vocabulary: token ids and merge ranks. Immutable and thread-safe.
/// </summary>
public sealed class ClipVocabulary
{
    /// <summary>The reference reads exactly this many merges from the OpenAI file (49152 - 256 - 2).</summary>
    internal const int OpenAiMergeCount = 49152 - 256 - 2;

    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<long, MergeRule> _merges;
    private readonly int[] _byteIds;
    private readonly int[] _byteEndOfWordIds;

    private ClipVocabulary(Dictionary<string, int> ids, IReadOnlyList<(string Left, string Right)> merges, string source)
    {
        _ids = ids;
        _merges = new Dictionary<long, MergeRule>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            var leftId = RequireId(left, source);
            var rightId = RequireId(right, source);
            var mergedId = RequireId(left + right, source);
            _merges[PairKey(leftId, rightId)] = new MergeRule(rank, mergedId);
        }

        _byteIds = new int[256];
        _byteEndOfWordIds = new int[256];
        foreach (var (value, symbol) in ByteSymbols.Ordered)
        {
            _byteIds[value] = RequireId(symbol, source);
            _byteEndOfWordIds[value] = RequireId(symbol + EndOfWord, source);
        }

        StartOfTextId = RequireId(ClipPreTokenizer.StartOfText, source);
        EndOfTextId = RequireId(ClipPreTokenizer.EndOfText, source);
    }

    internal const string EndOfWord = "</w>";

    public int StartOfTextId { get; }

    public int EndOfTextId { get; }

    public int Count => _ids.Count;

    /// <summary>Loads OpenAI's <c>bpe_simple_vocab_16e6.txt.gz</c>, deriving the vocabulary as the reference does.</summary>
    public static ClipVocabulary LoadOpenAiBpe(string gzPath)
    {
        ArgumentNullException.ThrowIfNull(gzPath);
        var merges = ReadOpenAiMerges(gzPath);

        var tokens = new List<string>(256 + 256 + merges.Count + 2);
        tokens.AddRange(ByteSymbols.Ordered.Select(entry => entry.Symbol));
        tokens.AddRange(ByteSymbols.Ordered.Select(entry => entry.Symbol + EndOfWord));
        tokens.AddRange(merges.Select(merge => merge.Left + merge.Right));
        tokens.Add(ClipPreTokenizer.StartOfText);
        tokens.Add(ClipPreTokenizer.EndOfText);

        // Like dict(zip(vocab, range(len(vocab)))): a repeated token keeps its last id.
        var ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            ids[tokens[id]] = id;
        }

        return new ClipVocabulary(ids, merges, gzPath);
    }

    /// <summary>Loads a Hugging Face <c>vocab.json</c> (token → id) and <c>merges.txt</c> (optional "#version" first line).</summary>
    public static ClipVocabulary LoadHuggingFace(string vocabJsonPath, string mergesTxtPath)
    {
        ArgumentNullException.ThrowIfNull(vocabJsonPath);
        ArgumentNullException.ThrowIfNull(mergesTxtPath);
        var ids = ReadVocabJson(vocabJsonPath);
        var merges = ReadHuggingFaceMerges(mergesTxtPath);
        return new ClipVocabulary(ids, merges, $"{vocabJsonPath} / {mergesTxtPath}");
    }

    internal bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);

    internal bool TryGetMerge(int leftId, int rightId, out MergeRule rule) =>
        _merges.TryGetValue(PairKey(leftId, rightId), out rule);

    internal int ByteId(byte value, bool endOfWord) => endOfWord ? _byteEndOfWordIds[value] : _byteIds[value];

    private static long PairKey(int leftId, int rightId) => ((long)leftId << 32) | (uint)rightId;

    private int RequireId(string token, string source) =>
        _ids.TryGetValue(token, out var id)
            ? id
            : throw new InvalidDataException($"Vocabulary '{source}' has no token '{token}'.");

    private static List<(string Left, string Right)> ReadOpenAiMerges(string gzPath)
    {
        using var file = OpenForReading(gzPath);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        var merges = new List<(string, string)>(OpenAiMergeCount);
        try
        {
            // Line 1 is a version header; the reference then takes the next 48,894 lines.
            _ = reader.ReadLine() ?? throw new InvalidDataException($"BPE file '{gzPath}' is empty.");
            for (var lineNumber = 2; merges.Count < OpenAiMergeCount; lineNumber++)
            {
                var line = reader.ReadLine() ?? throw new InvalidDataException(
                    $"BPE file '{gzPath}' ends at line {lineNumber - 1}; expected {OpenAiMergeCount} merges after the header.");
                merges.Add(ParseMerge(line, gzPath, lineNumber));
            }
        }
        catch (InvalidDataException exception) when (!exception.Message.Contains(gzPath, StringComparison.Ordinal))
        {
            // GZipStream's own error for a corrupt or non-gzip file does not name the file.
            throw new InvalidDataException($"BPE file '{gzPath}' is not a valid gzip file: {exception.Message}", exception);
        }

        return merges;
    }

    private static List<(string Left, string Right)> ReadHuggingFaceMerges(string path)
    {
        var merges = new List<(string, string)>();
        var lineNumber = 0;
        foreach (var line in ReadAllLines(path))
        {
            lineNumber++;
            if ((lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
            {
                continue;
            }

            merges.Add(ParseMerge(line, path, lineNumber));
        }

        return merges;
    }

    private static (string Left, string Right) ParseMerge(string line, string path, int lineNumber)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length == 2
            ? (parts[0], parts[1])
            : throw new InvalidDataException($"'{path}' line {lineNumber}: expected a merge \"left right\", found \"{line}\".");
    }

    private static Dictionary<string, int> ReadVocabJson(string path)
    {
        using var file = OpenForReading(path);
        try
        {
            var ids = JsonSerializer.Deserialize<Dictionary<string, int>>(file)
                ?? throw new InvalidDataException($"Vocabulary '{path}' is null.");
            return new Dictionary<string, int>(ids, StringComparer.Ordinal);
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException(
                $"Vocabulary '{path}' is not a JSON object of token → id (line {exception.LineNumber + 1}): {exception.Message}", exception);
        }
    }

    private static IEnumerable<string> ReadAllLines(string path)
    {
        using var file = OpenForReading(path);
        using var reader = new StreamReader(file, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static FileStream OpenForReading(string path) =>
        File.Exists(path)
            ? File.OpenRead(path)
            : throw new FileNotFoundException($"Tokenizer vocabulary file '{path}' was not found.", path);
}

internal readonly record struct MergeRule(int Rank, int MergedId);
