namespace Clip.Ingestion.Folders;

/// <summary>Which file names the folder source treats as images.</summary>
public static class ImageFileNames
{
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp",
    };

    /// <summary>An image extension, and not a hidden or temporary file (<c>.name</c>, <c>name~</c>).</summary>
    public static bool IsCandidate(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        return !fileName.StartsWith('.') && !fileName.EndsWith('~') && Extensions.Contains(System.IO.Path.GetExtension(fileName));
    }
}
