using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Encoders;

/// <summary>A bundle whose graphs do not match what the encoders feed is refused at load time, naming the file.</summary>
public sealed class EncoderContractTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static OnnxSessionFactory CpuSessions() =>
        new(new InferenceOptions { Device = ExecutionDevice.Cpu }, new RecordingLogger<OnnxSessionFactory>());

    private static int[] Tokens(int count) => Enumerable.Repeat(320, count).ToArray();

    private ModelBundle BundleWith(string? vision = null, string? text = null)
    {
        var dir = _temp.CopyFrom(TestPaths.BundledModel, "bundle-" + Guid.NewGuid().ToString("N"));
        if (vision is not null)
        {
            File.Copy(TestPaths.Data("Encoders", "graphs", vision + ".onnx"), Path.Combine(dir, "onnx", "vision_model.onnx"), overwrite: true);
        }

        if (text is not null)
        {
            File.Copy(TestPaths.Data("Encoders", "graphs", text + ".onnx"), Path.Combine(dir, "onnx", "text_model.onnx"), overwrite: true);
        }

        return ModelBundle.Load(dir);
    }

    [Theory]
    [InlineData("vision_wrong_input_name", "graph has no input named \"pixel_values\" (found: images)")]
    [InlineData("vision_int64_input", "input \"pixel_values\" is a rank-4 Int64 tensor")]
    [InlineData("vision_wrong_crop", "pixel_values axis 2 (height from preprocessor_config.json crop_size) is 64, expected 224")]
    [InlineData("vision_wrong_output_name", "graph has no output named \"image_embeds\" (found: last_hidden_state)")]
    public void ImageEncoder_MismatchedGraph_RefusedWithFileAndExpectation(string graph, string expected)
    {
        var bundle = BundleWith(vision: graph);

        var e = Assert.Throws<ModelBundleException>(() => new ClipImageEncoder(bundle, CpuSessions()));

        Assert.Equal(bundle.VisionModelPath, e.Path);
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TextEncoder_UnknownExtraInput_Refused()
    {
        var bundle = BundleWith(text: "text_extra_input");

        var e = Assert.Throws<ModelBundleException>(() => new ClipTextEncoder(bundle, CpuSessions()));

        Assert.Equal(bundle.TextModelPath, e.Path);
        Assert.Contains("unexpected graph input(s) token_type_ids", e.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text_dynamic_sequence", false, 77, 6)]
    [InlineData("text_dynamic_sequence", true, 77, 77)]
    [InlineData("text_fixed_sequence", false, 8, 8)]
    public void TextEncoder_SequenceAxis_PaddedToTheLongestOnlyWhenDynamic(string graph, bool padToContextLength, int contextLength, int fed)
    {
        using var encoder = new ClipTextEncoder(BundleWith(text: graph), CpuSessions(), padToContextLength);
        int[] shortIds = [49406, 320, 1929, 49407];
        int[] longerIds = [49406, 320, 1125, 539, 320, 49407];

        var embeddings = encoder.Encode([shortIds, longerIds]);

        // The graph returns [sequence length fed, 1]: the ratio survives normalisation.
        Assert.Equal(contextLength, encoder.ContextLength);
        Assert.Equal(fed, embeddings.Row(0)[0] / embeddings.Row(0)[1], 2);
        Assert.Equal(fed, embeddings.Row(1)[0] / embeddings.Row(1)[1], 2);
    }

    [Theory]
    [InlineData("text_dynamic_sequence", "1 3|2 0")]
    [InlineData("text_fixed_sequence", "0 1|2 3")]
    public void TextEncoder_Batches_GroupSimilarLengthsOnlyWhenPaddedToTheLongest(string graph, string expected)
    {
        using var encoder = new ClipTextEncoder(BundleWith(text: graph), CpuSessions());
        int[][] sequences = [Tokens(7), Tokens(2), Tokens(6), Tokens(3)];

        var batches = encoder.Batches(sequences, 2);

        Assert.Equal(expected, string.Join('|', batches.Select(b => string.Join(' ', b))));
    }

    [Fact]
    public void TextEncoder_GraphDeclaresAttentionMask_FeedsOnesOverTokensAndZeroPadding()
    {
        using var encoder = new ClipTextEncoder(BundleWith(text: "text_with_attention_mask"), CpuSessions());
        int[] shortIds = [49406, 320, 1929, 49407];
        int[] longerIds = [49406, 320, 1125, 539, 320, 1929, 269, 49407];

        var embeddings = encoder.Encode([shortIds, longerIds]);

        // The graph returns [sum of ids under the mask, tokens under the mask], then the encoder normalises:
        // the ratio survives normalisation and shows exactly which positions were masked in.
        Assert.Equal(shortIds.Sum() / 4.0, embeddings.Row(0)[0] / embeddings.Row(0)[1], 2);
        Assert.Equal(longerIds.Sum() / 8.0, embeddings.Row(1)[0] / embeddings.Row(1)[1], 2);
        Assert.Equal(ClipTextEncoder.DefaultContextLength, encoder.ContextLength);
    }

    [Fact]
    public void TextEncoder_SequenceLongerThanContext_Rejected()
    {
        using var encoder = new ClipTextEncoder(BundleWith(), CpuSessions());
        var tooLong = Enumerable.Repeat(320, 78).ToArray();

        var e = Assert.Throws<ArgumentException>(() => encoder.Encode([tooLong]));

        Assert.Contains("78 tokens; expected 1 to 77", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageEncoder_NotAnOnnxFile_RefusedWithFileName()
    {
        var bundle = BundleWith();
        File.WriteAllText(bundle.VisionModelPath, "this is not a protobuf");

        var e = Assert.Throws<ModelBundleException>(() => new ClipImageEncoder(bundle, CpuSessions()));

        Assert.Equal(bundle.VisionModelPath, e.Path);
        Assert.Contains("ONNX Runtime cannot load this model", e.Problem, StringComparison.Ordinal);
    }
}
