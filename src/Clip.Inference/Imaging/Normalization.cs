using Clip.Inference.Bundles;

namespace Clip.Inference.Imaging;

/// <summary>
/// ToTensor's div(255) then Normalize's sub/div, per channel, for each of the 256 sample values:
/// the same float32 operations in the same order, looked up instead of recomputed per pixel.
/// </summary>
internal sealed class Normalization
{
    private readonly float[] _values = new float[3 * 256];

    public Normalization(PreprocessorConfig config)
    {
        for (var channel = 0; channel < 3; channel++)
        {
            var mean = config.Mean[channel];
            var std = config.Std[channel];
            for (var sample = 0; sample < 256; sample++)
            {
                _values[(channel * 256) + sample] = ((sample / 255f) - mean) / std;
            }
        }
    }

    public ReadOnlySpan<float> Table(int channel) => _values.AsSpan(channel * 256, 256);
}
