using Clip.Inference.Bundles;

namespace Clip.Inference.Encoders;

/// <summary>Which variant of a tower runs, given the precision asked for and the device the sessions run on.</summary>
public static class PrecisionChoice
{
    /// <summary>
    /// <see cref="ModelPrecision.Auto"/> takes float16 on CUDA and INT8 on CPU where the tower has them, else float32;
    /// any other precision is taken as asked, present or not (a missing one fails when the bundle is asked for its file).
    /// </summary>
    public static ModelPrecision For(ModelPrecision requested, ExecutionDevice device, TowerFiles tower)
    {
        ArgumentNullException.ThrowIfNull(tower);
        if (requested != ModelPrecision.Auto)
        {
            return requested;
        }

        var preferred = device == ExecutionDevice.Cuda ? ModelPrecision.Fp16 : ModelPrecision.Int8;
        return tower.Has(preferred) ? preferred : ModelPrecision.Fp32;
    }

    /// <summary>The bundle naming the variant of each tower that <paramref name="requested"/> chooses on <paramref name="device"/>.</summary>
    public static ModelBundle Apply(ModelBundle bundle, ModelPrecision requested, ExecutionDevice device)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return bundle.WithPrecisions(For(requested, device, bundle.VisionFiles), For(requested, device, bundle.TextFiles));
    }
}
