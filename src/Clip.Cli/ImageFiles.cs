using System.Globalization;
using Clip.Inference.Imaging;

namespace Clip.Cli;

internal static class ImageFiles
{
    /// <summary>Reads an image file, refusing one over the byte limit before reading any of it.</summary>
    public static byte[] Read(FileInfo file, ImageLimits limits)
    {
        if (file.Exists && file.Length > limits.MaxEncodedBytes)
        {
            throw new ImageRejectedException(
                ImageRejectionReason.TooManyBytes,
                string.Create(CultureInfo.InvariantCulture, $"{file.FullName} is {file.Length} bytes, over the {limits.MaxEncodedBytes}-byte limit"));
        }

        return File.ReadAllBytes(file.FullName);
    }
}
