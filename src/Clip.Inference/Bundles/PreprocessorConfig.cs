namespace Clip.Inference.Bundles;

/// <summary>
/// How a bundle's image tower expects its pixels: read from the bundle's
/// <c>preprocessor_config.json</c>, never from constants in code.
/// </summary>
/// <param name="ShortestEdge">The shortest side is resized to this many pixels.</param>
/// <param name="CropHeight">Height of the centre crop.</param>
/// <param name="CropWidth">Width of the centre crop.</param>
/// <param name="Mean">Per-channel (R, G, B) mean subtracted after scaling to [0, 1].</param>
/// <param name="Std">Per-channel (R, G, B) standard deviation divided by after the mean.</param>
/// <param name="Resample">The resampling filter of the resize.</param>
public sealed record PreprocessorConfig(
    int ShortestEdge,
    int CropHeight,
    int CropWidth,
    IReadOnlyList<float> Mean,
    IReadOnlyList<float> Std,
    ResampleFilter Resample)
{
    /// <summary>Number of float32 values in one preprocessed image (3 × crop height × crop width).</summary>
    public int TensorLength => 3 * CropHeight * CropWidth;
}

/// <summary>Resampling filters, numbered as PIL numbers them in Hugging Face preprocessor configs.</summary>
public enum ResampleFilter
{
    Nearest = 0,
    Lanczos = 1,
    Bilinear = 2,
    Bicubic = 3,
}
