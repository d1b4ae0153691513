using System.Numerics.Tensors;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using SixLabors.ImageSharp;
using Xunit.Abstractions;

namespace Clip.Inference.Tests.TinyClip;

/// <summary>
/// The bundled model's shipped INT8 and float16 towers against its float32 ones, on freshly rendered scenes of the
/// synthetic world: the embeddings they give and the zero-shot labels those lead to.
/// </summary>
public sealed class PrecisionVariantTests(ITestOutputHelper output)
{
    private static readonly string[] Templates = ["a photo of a {}.", "a drawing of a {}.", "a {}."];

    private static ClipModel Load(ModelPrecision precision) =>
        ClipModel.Load(new InferenceOptions { Device = ExecutionDevice.Cpu, Precision = precision }, new ImageLimits(), NullLoggerFactory.Instance);

    private static (List<byte[]> Images, List<string> Shapes) Scenes()
    {
        var random = new Random(303);
        var images = new List<byte[]>();
        var shapes = new List<string>();
        foreach (var (colour, shape) in SyntheticWorld.TrainingCombinations)
        {
            using var image = SyntheticWorld.Render(colour, shape, random);
            using var png = new MemoryStream();
            image.SaveAsPng(png);
            images.Add(png.ToArray());
            shapes.Add(shape);
        }

        return (images, shapes);
    }

    [Theory]
    [InlineData(ModelPrecision.Int8, 0.99, 0.98)]
    [InlineData(ModelPrecision.Fp16, 0.999, 0.999)]
    public void EmbedImages_Variant_LandsCloseToFloat32AndKeepsZeroShotAccuracy(ModelPrecision precision, double meanCosine, double worstCosine)
    {
        var (images, shapes) = Scenes();
        using var fp32 = Load(ModelPrecision.Fp32);
        using var variant = Load(precision);

        var reference = fp32.EmbedImages(images);
        var embeddings = variant.EmbedImages(images);
        var cosines = Enumerable.Range(0, images.Count).Select(i => (double)TensorPrimitives.CosineSimilarity(reference.Row(i), embeddings.Row(i))).ToList();
        var fp32Accuracy = new ZeroShotProbe(fp32, SyntheticWorld.Shapes, Templates).Accuracy(reference, shapes);
        var variantAccuracy = new ZeroShotProbe(variant, SyntheticWorld.Shapes, Templates).Accuracy(embeddings, shapes);
        output.WriteLine($"{precision}: cosine mean {cosines.Average():0.00000}, worst {cosines.Min():0.00000}; shape top-1 {variantAccuracy:P1} vs fp32 {fp32Accuracy:P1} over {images.Count} scenes");

        Assert.True(cosines.Average() >= meanCosine, $"mean cosine {cosines.Average():0.00000}");
        Assert.True(cosines.Min() >= worstCosine, $"worst cosine {cosines.Min():0.00000}");
        Assert.InRange(variantAccuracy, fp32Accuracy - 0.05, 1.0);
    }

    [Fact]
    public void EmbedTexts_Variants_LandCloseToFloat32()
    {
        string[] prompts = [.. SyntheticWorld.Shapes.Select(s => $"a photo of a {s}.")];
        using var fp32 = Load(ModelPrecision.Fp32);
        using var int8 = Load(ModelPrecision.Int8);
        using var fp16 = Load(ModelPrecision.Fp16);

        var reference = fp32.EmbedTexts(prompts);
        var int8Rows = int8.EmbedTexts(prompts);
        var fp16Rows = fp16.EmbedTexts(prompts);

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.True(TensorPrimitives.CosineSimilarity(reference.Row(i), int8Rows.Row(i)) >= 0.99f, prompts[i]);
            Assert.True(TensorPrimitives.CosineSimilarity(reference.Row(i), fp16Rows.Row(i)) >= 0.999f, prompts[i]);
        }
    }
}
