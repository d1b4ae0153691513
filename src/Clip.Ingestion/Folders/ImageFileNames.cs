namespace Clip.Ingestion.Folders;

/// <summary>Which file names are taken for images: by <c>clip label</c>, <c>clip upload</c> and the folder source.</summary>
public static class ImageFileNames
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp",
    };

    /// <summary>The extension of a format the decoder reads (JPEG, PNG, WebP, GIF, BMP), in any case.</summary>
    public static bool HasImageExtension(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return Extensions.Contains(System.IO.Path.GetExtension(fileName));
    }

    /// <summary>An image extension, and not a hidden or temporary file (<c>.name</c>, <c>name~</c>).</summary>
    public static bool IsCandidate(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return !fileName.StartsWith('.') && !fileName.EndsWith('~') && HasImageExtension(fileName);
    }
}
