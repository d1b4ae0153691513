using System.Diagnostics;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Benchmarks;

/// <summary>
/// The image encoder alone, in this process, on its own session of the worker's vision graph with the worker's
/// inference options: one batch of photos preprocessed once, then that full batch encoded back to back. The rate the
/// worker would reach if fetching, decoding, classifying and writing cost nothing.
/// </summary>
internal sealed class EncoderOnlyRate : IDisposable
{
    private const int MinimumBatches = 3;
    private static readonly TimeSpan MinimumTime = TimeSpan.FromSeconds(3);

    private readonly ClipImageEncoder _encoder;
    private readonly float[] _pixels;

    private EncoderOnlyRate(ClipImageEncoder encoder, float[] pixels, int batchSize)
    {
        _encoder = encoder;
        _pixels = pixels;
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    /// <summary>Loads the vision graph and preprocesses the first <paramref name="batchSize"/> images of <paramref name="photos"/>.</summary>
    public static EncoderOnlyRate Create(InferenceOptions options, ModelBundle bundle, ImagePreprocessor preprocessor, BenchmarkPhotos photos, int batchSize)
    {
        var encoder = new ClipImageEncoder(bundle, new OnnxSessionFactory(options, NullLogger<OnnxSessionFactory>.Instance));
        var length = encoder.ImageLength;
        var pixels = new float[batchSize * length];
        for (var i = 0; i < batchSize; i++)
        {
            preprocessor.Preprocess(photos.Distinct("encoder", i).Bytes, pixels.AsSpan(i * length, length));
        }

        return new EncoderOnlyRate(encoder, pixels, batchSize);
    }

    /// <summary>Images per second over full batches, for at least 3 s and 3 batches, after one batch that is not timed.</summary>
    public double Measure() => Measure(_encoder, _pixels, BatchSize, MinimumTime, MinimumBatches);

    /// <summary>
    /// Images per second of <paramref name="encoder"/> encoding the same full batch back to back, for at least
    /// <paramref name="minimumTime"/> and <paramref name="minimumBatches"/> batches, after one batch that is not timed.
    /// </summary>
    public static double Measure(ClipImageEncoder encoder, ReadOnlyMemory<float> pixels, int batchSize, TimeSpan minimumTime, int minimumBatches)
    {
        encoder.Encode(pixels, batchSize);
        var batches = 0;
        var started = Stopwatch.GetTimestamp();
        TimeSpan elapsed;
        do
        {
            encoder.Encode(pixels, batchSize);
            batches++;
            elapsed = Stopwatch.GetElapsedTime(started);
        }
        while (elapsed < minimumTime || batches < minimumBatches);

        return batches * batchSize / elapsed.TotalSeconds;
    }

    public void Dispose() => _encoder.Dispose();
}
