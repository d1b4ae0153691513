namespace Clip.Inference.Imaging;

/// <summary>The width and height of an upright decoded image, in pixels (EXIF orientation applied).</summary>
public readonly record struct ImageSize(int Width, int Height);
