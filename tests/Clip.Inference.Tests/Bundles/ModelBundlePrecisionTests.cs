using Clip.Inference.Bundles;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Bundles;

public sealed class ModelBundlePrecisionTests : IDisposable
{
    // The bundled model's float32 id as results stored before precision variants existed record it (README, clip search).
    private const string Fp32VersionedId = "clip-workers/tiny-clip-v1@sha256:4201b82ade54c230";

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Load_BundledModel_FindsTheInt8AndFp16VariantsOfBothTowersAndNamesFloat32()
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel);

        ModelPrecision[] all = [ModelPrecision.Fp32, ModelPrecision.Int8, ModelPrecision.Fp16];
        Assert.Equal(all, bundle.VisionFiles.Available.Order());
        Assert.Equal(all, bundle.TextFiles.Available.Order());
        Assert.Equal((ModelPrecision.Fp32, ModelPrecision.Fp32), (bundle.VisionPrecision, bundle.TextPrecision));
        Assert.EndsWith(Path.Combine("onnx", "text_model.onnx"), bundle.TextModelPath, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPrecisions_Variants_NameTheHuggingFaceFileOfEachTower()
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel).WithPrecisions(ModelPrecision.Int8, ModelPrecision.Fp16);

        Assert.EndsWith(Path.Combine("onnx", "vision_model_quantized.onnx"), bundle.VisionModelPath, StringComparison.Ordinal);
        Assert.EndsWith(Path.Combine("onnx", "text_model_fp16.onnx"), bundle.TextModelPath, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPrecisions_VariantMissing_ThrowsNamingTheMissingFile()
    {
        var copy = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        File.Delete(Path.Combine(copy, "onnx", "vision_model_fp16.onnx"));
        var bundle = ModelBundle.Load(copy);

        var e = Assert.Throws<ModelBundleException>(() => bundle.WithPrecisions(ModelPrecision.Fp16, ModelPrecision.Fp16));

        Assert.Equal(Path.Combine(copy, "onnx", "vision_model_fp16.onnx"), e.Path);
        Assert.StartsWith("ONNX model not found: the bundle has no fp16 vision_model", e.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain(ModelPrecision.Fp16, bundle.VisionFiles.Available);
        Assert.Contains(ModelPrecision.Fp16, bundle.TextFiles.Available);
    }

    [Fact]
    public void Fingerprint_Float32_IsTheIdResultsWereStoredUnderBeforeVariants()
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel);

        Assert.Equal(Fp32VersionedId, bundle.VersionedModelId);
        Assert.Equal(Fp32VersionedId, bundle.WithPrecisions(ModelPrecision.Int8, ModelPrecision.Int8).WithPrecisions(ModelPrecision.Fp32, ModelPrecision.Fp32).VersionedModelId);
    }

    [Fact]
    public void Fingerprint_EachLoadedPrecisionPair_GivesItsOwnIdNamingBothTowers()
    {
        var bundle = ModelBundle.Load(TestPaths.BundledModel);
        ModelPrecision[] precisions = [ModelPrecision.Fp32, ModelPrecision.Int8, ModelPrecision.Fp16];

        var ids = (from v in precisions from t in precisions select bundle.WithPrecisions(v, t).VersionedModelId).ToList();

        Assert.Equal(9, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Matches(@"^clip-workers/tiny-clip-v1@sha256:[0-9a-f]{16}\+vision-int8\+text-fp32$", bundle.WithPrecisions(ModelPrecision.Int8, ModelPrecision.Fp32).VersionedModelId);
        Assert.Matches(@"^clip-workers/tiny-clip-v1@sha256:[0-9a-f]{16}\+vision-fp16\+text-fp16$", bundle.WithPrecisions(ModelPrecision.Fp16, ModelPrecision.Fp16).VersionedModelId);
    }

    [Fact]
    public void Fingerprint_VariantFileChanged_ChangesTheIdOfThatPrecisionOnly()
    {
        var copy = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        var before = ModelBundle.Load(copy);
        var (int8Before, fp32Before) = (before.WithPrecisions(ModelPrecision.Int8, ModelPrecision.Int8).VersionedModelId, before.VersionedModelId);
        using (var stream = File.OpenWrite(Path.Combine(copy, "onnx", "vision_model_quantized.onnx")))
        {
            stream.Seek(-1, SeekOrigin.End);
            stream.WriteByte(0x5A);
        }

        var after = ModelBundle.Load(copy);

        Assert.NotEqual(int8Before, after.WithPrecisions(ModelPrecision.Int8, ModelPrecision.Int8).VersionedModelId);
        Assert.Equal(fp32Before, after.VersionedModelId);
    }

    [Fact]
    public void Load_NoVariants_OffersFloat32Only()
    {
        var copy = _temp.CopyFrom(TestPaths.BundledModel, "bundle");
        foreach (var variant in (string[])["vision_model_quantized", "vision_model_fp16", "text_model_quantized", "text_model_fp16"])
        {
            File.Delete(Path.Combine(copy, "onnx", variant + ".onnx"));
        }

        var bundle = ModelBundle.Load(copy);

        Assert.Equal([ModelPrecision.Fp32], bundle.VisionFiles.Available);
        Assert.Equal([ModelPrecision.Fp32], bundle.TextFiles.Available);
    }
}
