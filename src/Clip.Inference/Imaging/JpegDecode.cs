namespace Clip.Inference.Imaging;

/// <summary>How much of a JPEG's resolution is decoded before the resize.</summary>
public enum JpegDecode
{
    /// <summary>Every pixel, as Pillow without <c>draft</c>: the tensor matches OpenAI's preprocessing.</summary>
    Exact,

    /// <summary>
    /// libjpeg-turbo's DCT scaling (1/2, 1/4 or 1/8, as Pillow's <c>Image.draft</c>), at the smallest scale whose
    /// short side stays at least twice the resize target; then the same resize and crop. Large photos decode
    /// several times faster, and the tensor differs slightly from the exact one.
    /// </summary>
    Fast,
}
