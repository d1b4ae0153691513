using Clip.Inference.Encoders;
using Clip.Inference.Imaging;

namespace Clip.Inference;

/// <summary>
/// Up to <see cref="Capacity"/> images preprocessed side by side into one buffer and embedded in one encoder call:
/// the batch loop every command that embeds files shares. Not thread-safe; reuse it batch after batch.
/// </summary>
public sealed class ImageBatch
{
    private readonly ClipModel _model;
    private readonly float[] _pixels;
    private readonly int _length;

    public ImageBatch(ClipModel model, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _model = model;
        _length = model.Preprocessor.Config.TensorLength;
        _pixels = new float[capacity * _length];
        Capacity = capacity;
    }

    public int Capacity { get; }

    /// <summary>Images added since the last <see cref="Encode"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Preprocesses <paramref name="encoded"/> into the next slot.</summary>
    /// <returns>The upright source image's size.</returns>
    /// <exception cref="ImageRejectedException">The bytes are not an acceptable image; the batch is unchanged.</exception>
    /// <exception cref="InvalidOperationException">The batch is full.</exception>
    public ImageSize Add(byte[] encoded)
    {
        if (Count == Capacity)
        {
            throw new InvalidOperationException($"The batch already holds {Capacity} images; encode it first.");
        }

        var size = _model.Preprocessor.Preprocess(encoded, _pixels.AsSpan(Count * _length, _length));
        Count++;
        return size;
    }

    /// <summary>Embeds the images added, in the order added, and empties the batch.</summary>
    public EmbeddingMatrix Encode()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("The batch is empty.");
        }

        var embeddings = _model.ImageEncoder.Encode(_pixels.AsMemory(0, Count * _length), Count);
        Count = 0;
        return embeddings;
    }
}
