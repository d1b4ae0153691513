using Clip.Inference.Bundles;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Bundles;

public sealed class ModelBundleTests : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string CopyOfBundledModel() => _temp.CopyFrom(TestPaths.BundledModel, "bundle");

    [Fact]
    public void Load_BundledModel_ReadsPreprocessingAndScaleFromItsFiles()
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel);

        Assert.Equal("clip-workers/tiny-clip-v1", bundle.ModelId);
        Assert.Equal(224, bundle.Preprocessor.ShortestEdge);
        Assert.Equal((224, 224), (bundle.Preprocessor.CropHeight, bundle.Preprocessor.CropWidth));
        Assert.Equal([0.48145466f, 0.4578275f, 0.40821073f], bundle.Preprocessor.Mean);
        Assert.Equal([0.26862954f, 0.26130258f, 0.27577711f], bundle.Preprocessor.Std);
        Assert.Equal(ResampleFilter.Bicubic, bundle.Preprocessor.Resample);
        Assert.InRange(bundle.LogitScale, 1f, 100f);
        Assert.IsType<TokenizerFiles.OpenAiBpe>(bundle.Tokenizer);
        Assert.EndsWith(Path.Combine("onnx", "vision_model.onnx"), bundle.VisionModelPath, StringComparison.Ordinal);
    }

    [Fact]
    public void Fingerprint_DifferentWeightsSameConfig_Differs()
    {
        var copy = CopyOfBundledModel();
        var original = ModelBundle.Load(copy);
        var originalId = original.VersionedModelId;
        using (var stream = File.OpenWrite(original.TextModelPath))
        {
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte(0x5A);
        }

        var changed = ModelBundle.Load(copy);

        Assert.Equal(original.ModelId, changed.ModelId);
        Assert.NotEqual(originalId, changed.VersionedModelId);
        Assert.Equal(originalId, ModelBundle.Load(TestPaths.BundledModel).VersionedModelId);
    }

    [Fact]
    public void Load_MissingFolder_NamesTheFolder()
    {
        var missing = _temp.File("nowhere");

        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(missing));

        Assert.Equal(missing, e.Path);
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("onnx/vision_model.onnx", "ONNX model not found")]
    [InlineData("onnx/text_model.onnx", "ONNX model not found")]
    [InlineData("config.json", "file not found")]
    [InlineData("preprocessor_config.json", "file not found")]
    public void Load_MissingFile_NamesTheFileAndWhatWasExpected(string relative, string problem)
    {
        var bundle = CopyOfBundledModel();
        File.Delete(Path.Combine(bundle, relative));

        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(bundle));

        Assert.Equal(Path.Combine(bundle, relative), e.Path);
        Assert.Equal(problem, e.Problem);
    }

    [Fact]
    public void Load_NoTokenizerFiles_SaysWhichFilesAreAccepted()
    {
        var bundle = CopyOfBundledModel();
        File.Delete(Path.Combine(bundle, ModelBundle.OpenAiVocabularyFileName));

        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(bundle));

        Assert.Contains("vocab.json and merges.txt", e.Message, StringComparison.Ordinal);
        Assert.Contains("bpe_simple_vocab_16e6.txt.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HuggingFaceVocabularyPresent_PrefersIt()
    {
        var bundle = CopyOfBundledModel();
        File.WriteAllText(Path.Combine(bundle, "vocab.json"), "{}");
        File.WriteAllText(Path.Combine(bundle, "merges.txt"), "#version: 0.2\n");

        var files = Assert.IsType<TokenizerFiles.HuggingFace>(ModelBundle.Load(bundle).Tokenizer);

        Assert.Equal(Path.Combine(bundle, "merges.txt"), files.MergesPath);
    }

    [Fact]
    public void Load_ConfigWithoutLogitScale_UsesOpenAisHundred()
    {
        var bundle = CopyOfBundledModel();
        File.WriteAllText(Path.Combine(bundle, "config.json"), """{"model_type": "clip"}""");

        var loaded = ModelBundle.Load(bundle);

        Assert.Equal(100f, loaded.LogitScale);
        Assert.Equal("bundle", loaded.ModelId);
    }

    [Theory]
    [InlineData("""{"logit_scale": -3}""", "logit_scale must be a positive number")]
    [InlineData("""{"logit_scale": "big"}""", "logit_scale must be a positive number")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("""{"logit_scale": """, "not valid JSON")]
    public void Load_BadConfig_ExplainsTheProblem(string json, string expected)
    {
        var bundle = CopyOfBundledModel();
        File.WriteAllText(Path.Combine(bundle, "config.json"), json);

        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(bundle));

        Assert.Equal(Path.Combine(bundle, "config.json"), e.Path);
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LegacyIntegerSizes_AreRead()
    {
        var bundle = CopyOfBundledModel();
        File.WriteAllText(
            Path.Combine(bundle, "preprocessor_config.json"),
            """{"size": 256, "crop_size": 240, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.25, 0.25, 0.25], "resample": 2}""");

        var pre = ModelBundle.Load(bundle).Preprocessor;

        Assert.Equal((256, 240, 240), (pre.ShortestEdge, pre.CropHeight, pre.CropWidth));
        Assert.Equal(ResampleFilter.Bilinear, pre.Resample);
        Assert.Equal(3 * 240 * 240, pre.TensorLength);
    }

    [Theory]
    [InlineData("""{"crop_size": 224, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0.2, 0.2]}""", "missing \"size\"")]
    [InlineData("""{"size": {"height": 224, "width": 224}, "crop_size": 224, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0.2, 0.2]}""", "shortest_edge")]
    [InlineData("""{"size": 224, "crop_size": 224, "image_mean": [0.5, 0.5], "image_std": [0.2, 0.2, 0.2]}""", "image_mean")]
    [InlineData("""{"size": 224, "crop_size": 224, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0, 0.2]}""", "image_std values must be positive")]
    [InlineData("""{"size": 0, "crop_size": 224, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0.2, 0.2]}""", "between 1 and 8192")]
    [InlineData("""{"size": 224, "crop_size": 224, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0.2, 0.2], "resample": 9}""", "resample must be")]
    [InlineData("""{"size": 224, "crop_size": 224, "do_center_crop": false, "image_mean": [0.5, 0.5, 0.5], "image_std": [0.2, 0.2, 0.2]}""", "do_center_crop=false")]
    public void Load_BadPreprocessorConfig_ExplainsTheProblem(string json, string expected)
    {
        var bundle = CopyOfBundledModel();
        File.WriteAllText(Path.Combine(bundle, "preprocessor_config.json"), json);

        var e = Assert.Throws<ModelBundleException>(() => ModelBundle.Load(bundle));

        Assert.Equal(Path.Combine(bundle, "preprocessor_config.json"), e.Path);
        Assert.Contains(expected, e.Problem, StringComparison.Ordinal);
    }
}
