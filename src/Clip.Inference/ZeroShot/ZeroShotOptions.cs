using System.ComponentModel.DataAnnotations;

namespace Clip.Inference.ZeroShot;

/// <summary>Zero-shot classifier building and caching. Bound from the <c>Clip:ZeroShot</c> section.</summary>
public sealed class ZeroShotOptions
{
    public const string SectionName = "Clip:ZeroShot";

    /// <summary>Folder of cached class matrices; <see cref="DefaultCacheDirectory"/> unless configured.</summary>
    [Required]
    public string CacheDirectory { get; set; } = DefaultCacheDirectory();

    /// <summary>Prompts embedded per text-encoder call while building a class matrix.</summary>
    [Range(1, 65_536)]
    public int PromptBatchSize { get; set; } = ClassMatrixBuilder.DefaultBatchSize;

    /// <summary><c>$XDG_CACHE_HOME/clip-workers/class-matrices</c>, else under <c>~/.cache</c>, else the temp folder.</summary>
    public static string DefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root;
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg))
        {
            root = xdg;
        }
        else
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
        }

        return Path.Combine(root, "clip-workers", "class-matrices");
    }
}
