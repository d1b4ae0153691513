using System.Globalization;
using Clip.Inference.Bundles;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Clip.Inference.Encoders;

/// <summary>
/// Runs a bundle's text tower: token id sequences (start and end tokens included) to L2-normalised
/// embeddings. Sequences are zero-padded: to the longest one of the call when the graph's sequence axis
/// is dynamic, else to the graph's fixed length; an <c>attention_mask</c> is fed when the graph declares
/// one. Safe to call from many threads.
/// </summary>
/// <remarks>
/// Padding to the longest sequence gives the embeddings of OpenAI's <c>clip.tokenize</c> padding to 77:
/// CLIP's causal mask keeps every position, the pooled end-of-text one included, blind to what follows it.
/// </remarks>
public sealed class ClipTextEncoder : IDisposable
{
    public const string InputIdsName = "input_ids";
    public const string AttentionMaskName = "attention_mask";
    public const string OutputName = "text_embeds";
    public const int DefaultContextLength = Tokenization.ClipTokenizer.DefaultContextLength;

    private readonly InferenceSession _session;
    private readonly bool _feedsAttentionMask;

    public ClipTextEncoder(ModelBundle bundle, OnnxSessionFactory sessions)
        : this(bundle, sessions, padToContextLength: false)
    {
    }

    /// <summary>
    /// With <paramref name="padToContextLength"/>, pads every call to <see cref="ContextLength"/> even when the graph takes
    /// shorter sequences: the reference that padding to the longest is checked and measured against.
    /// </summary>
    internal ClipTextEncoder(ModelBundle bundle, OnnxSessionFactory sessions, bool padToContextLength)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(sessions);
        _session = sessions.Create(bundle.TextModelPath, out var device);
        Device = device;
        try
        {
            var path = bundle.TextModelPath;
            var ids = OnnxGraphContract.RequireInput(_session, path, InputIdsName, TensorElementType.Int64, 2);
            var dynamicLength = ids.Dimensions[1] == OnnxGraphContract.Dynamic;
            ContextLength = dynamicLength ? DefaultContextLength : ids.Dimensions[1];
            PadsToLongest = dynamicLength && !padToContextLength;
            _feedsAttentionMask = _session.InputMetadata.ContainsKey(AttentionMaskName);
            if (_feedsAttentionMask)
            {
                var mask = OnnxGraphContract.RequireInput(_session, path, AttentionMaskName, TensorElementType.Int64, 2);
                PadsToLongest &= mask.Dimensions[1] == OnnxGraphContract.Dynamic;
            }

            OnnxGraphContract.RejectOtherInputs(_session, path, InputIdsName, AttentionMaskName);
            var output = OnnxGraphContract.RequireOutput(_session, path, OutputName, TensorElementType.Float, 2);
            Dimension = output.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Most tokens per sequence (77 for CLIP unless the graph fixes another length); the tokenizer truncates to it.</summary>
    public int ContextLength { get; }

    /// <summary>
    /// Whether each call is padded only to its longest sequence (the graph's sequence axis is dynamic)
    /// rather than to <see cref="ContextLength"/>.
    /// </summary>
    public bool PadsToLongest { get; }

    /// <summary>Embedding width, or -1 when the graph leaves it symbolic.</summary>
    public int Dimension { get; }

    public ExecutionDevice Device { get; }

    /// <summary>Encodes token sequences; each must fit the context length (the tokenizer truncates).</summary>
    public EmbeddingMatrix Encode(IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfZero(sequences.Count);
        var count = sequences.Count;
        var longest = 0;
        for (var row = 0; row < count; row++)
        {
            var tokens = sequences[row].Count;
            if (tokens == 0 || tokens > ContextLength)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"sequence {row} has {tokens} tokens; expected 1 to {ContextLength}"),
                    nameof(sequences));
            }

            longest = Math.Max(longest, tokens);
        }

        var length = PadsToLongest ? longest : ContextLength;
        var ids = new long[count * length];
        var mask = new long[count * length];
        for (var row = 0; row < count; row++)
        {
            var sequence = sequences[row];
            for (var i = 0; i < sequence.Count; i++)
            {
                ids[(row * length) + i] = sequence[i];
                mask[(row * length) + i] = 1;
            }
        }

        long[] shape = [count, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        string[] names = _feedsAttentionMask ? [InputIdsName, AttentionMaskName] : [InputIdsName];
        OrtValue[] values = _feedsAttentionMask ? [idsValue, maskValue] : [idsValue];
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, values, [OutputName]);
        return OnnxOutputs.ToEmbeddings(outputs[0], count, OutputName);
    }

    /// <summary>
    /// Splits sequences into batches of at most <paramref name="batchSize"/> indices into <paramref name="sequences"/>:
    /// in order, or, when <see cref="PadsToLongest"/>, shortest first so that a batch holds sequences of similar length.
    /// </summary>
    public IEnumerable<int[]> Batches(IReadOnlyList<IReadOnlyList<int>> sequences, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = Enumerable.Range(0, sequences.Count);
        return (PadsToLongest ? order.OrderBy(i => sequences[i].Count) : order).Chunk(batchSize);
    }

    public void Dispose() => _session.Dispose();
}
