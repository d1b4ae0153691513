namespace Clip.Inference.Imaging;

/// <summary>Which library decodes JPEG files.</summary>
public enum JpegBackend
{
    /// <summary>The system's libjpeg-turbo (libturbojpeg), as Pillow: tensors match torchvision's.</summary>
    LibjpegTurbo,

    /// <summary>
    /// ImageSharp's managed decoder, used when libturbojpeg is missing: its chroma upsampling differs
    /// from libjpeg's, so colour JPEGs with subsampled chroma drift a little from torchvision's tensors.
    /// </summary>
    ImageSharp,
}
