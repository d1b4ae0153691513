using System.Globalization;
using Clip.Inference.Bundles;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Clip.Inference.Encoders;

/// <summary>
/// Runs a bundle's vision tower: preprocessed images (float32 CHW, as <c>ImagePreprocessor</c> lays them out)
/// to L2-normalised embeddings. One instance per model and device; safe to call from many threads.
/// </summary>
public sealed class ClipImageEncoder : IDisposable
{
    public const string InputName = "pixel_values";
    public const string OutputName = "image_embeds";

    private readonly InferenceSession _session;
    private readonly PreprocessorConfig _preprocessor;

    public ClipImageEncoder(ModelBundle bundle, OnnxSessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ArgumentNullException.ThrowIfNull(sessions);
        _preprocessor = bundle.Preprocessor;
        _session = sessions.Create(bundle.VisionModelPath, out var device);
        Device = device;
        try
        {
            var path = bundle.VisionModelPath;
            var input = OnnxGraphContract.RequireInput(_session, path, InputName, TensorElementType.Float, 4);
            OnnxGraphContract.RejectOtherInputs(_session, path, InputName);
            OnnxGraphContract.RequireDimension(input, path, InputName, 1, 3, "channels");
            OnnxGraphContract.RequireDimension(input, path, InputName, 2, _preprocessor.CropHeight, "height from preprocessor_config.json crop_size");
            OnnxGraphContract.RequireDimension(input, path, InputName, 3, _preprocessor.CropWidth, "width from preprocessor_config.json crop_size");
            var output = OnnxGraphContract.RequireOutput(_session, path, OutputName, TensorElementType.Float, 2);
            Dimension = output.Dimensions[1];
        }
        catch
        {
            _session.Dispose();
            throw;
        }
    }

    /// <summary>Embedding width, or -1 when the graph leaves it symbolic (known after the first batch).</summary>
    public int Dimension { get; private set; }

    /// <summary>The execution provider the session runs on.</summary>
    public ExecutionDevice Device { get; }

    /// <summary>Number of floats one image occupies in a batch.</summary>
    public int ImageLength => _preprocessor.TensorLength;

    /// <summary>Encodes <paramref name="count"/> images laid out back to back in <paramref name="pixels"/>.</summary>
    public EmbeddingMatrix Encode(ReadOnlyMemory<float> pixels, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (pixels.Length != count * ImageLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"expected {count} images of {ImageLength} floats, got {pixels.Length} floats"),
                nameof(pixels));
        }

        long[] shape = [count, 3, _preprocessor.CropHeight, _preprocessor.CropWidth];
        var buffer = System.Runtime.InteropServices.MemoryMarshal.AsMemory(pixels);
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer, shape);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, [InputName], [input], [OutputName]);
        return OnnxOutputs.ToEmbeddings(outputs[0], count, OutputName);
    }

    public void Dispose() => _session.Dispose();
}
