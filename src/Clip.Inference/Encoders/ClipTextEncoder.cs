using System.Globalization;
using Clip.Inference.Bundles;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Clip.Inference.Encoders;

/// <summary>
/// Runs a bundle's text tower: token id sequences (start and end tokens included) to L2-normalised
/// embeddings. Sequences are zero-padded to the context length, as OpenAI's <c>clip.tokenize</c> pads;
/// an <c>attention_mask</c> is fed when the graph declares one. Safe to call from many threads.
/// </summary>
public sealed class ClipTextEncoder : IDisposable
{
    public const string InputIdsName = "input_ids";
    public const string AttentionMaskName = "attention_mask";
    public const string OutputName = "text_embeds";
    public const int DefaultContextLength = Tokenization.ClipTokenizer.DefaultContextLength;

    private readonly InferenceSession _session;
    private readonly bool _feedsAttentionMask;

    public ClipTextEncoder(ModelBundle bundle, OnnxSessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(sessions);
        _session = sessions.Create(bundle.TextModelPath, out var device);
        Device = device;
        try
        {
            var path = bundle.TextModelPath;
            var ids = OnnxGraphContract.RequireInput(_session, path, InputIdsName, TensorElementType.Int64, 2);
            _feedsAttentionMask = _session.InputMetadata.ContainsKey(AttentionMaskName);
            if (_feedsAttentionMask)
            {
                OnnxGraphContract.RequireInput(_session, path, AttentionMaskName, TensorElementType.Int64, 2);
            }

            OnnxGraphContract.RejectOtherInputs(_session, path, InputIdsName, AttentionMaskName);
            ContextLength = ids.Dimensions[1] == OnnxGraphContract.Dynamic ? DefaultContextLength : ids.Dimensions[1];
            var output = OnnxGraphContract.RequireOutput(_session, path, OutputName, TensorElementType.Float, 2);
            Dimension = output.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Tokens per sequence the graph is fed (77 for CLIP unless the graph fixes another length).</summary>
    public int ContextLength { get; }

    /// <summary>Embedding width, or -1 when the graph leaves it symbolic.</summary>
    public int Dimension { get; }

    public ExecutionDevice Device { get; }

    /// <summary>Encodes token sequences; each must fit the context length (the tokenizer truncates).</summary>
    public EmbeddingMatrix Encode(IReadOnlyList<IReadOnlyList<int>> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        ArgumentOutOfRangeException.ThrowIfZero(sequences.Count);
        var count = sequences.Count;
        var ids = new long[count * ContextLength];
        var mask = new long[count * ContextLength];
        for (var row = 0; row < count; row++)
        {
            var sequence = sequences[row];
            if (sequence.Count == 0 || sequence.Count > ContextLength)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"sequence {row} has {sequence.Count} tokens; expected 1 to {ContextLength}"),
                    nameof(sequences));
            }

            for (var i = 0; i < sequence.Count; i++)
            {
                ids[(row * ContextLength) + i] = sequence[i];
                mask[(row * ContextLength) + i] = 1;
            }
        }

        long[] shape = [count, ContextLength];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        string[] names = _feedsAttentionMask ? [InputIdsName, AttentionMaskName] : [InputIdsName];
        OrtValue[] values = _feedsAttentionMask ? [idsValue, maskValue] : [idsValue];
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, names, values, [OutputName]);
        return OnnxOutputs.ToEmbeddings(outputs[0], count, OutputName);
    }

    public void Dispose() => _session.Dispose();
}
