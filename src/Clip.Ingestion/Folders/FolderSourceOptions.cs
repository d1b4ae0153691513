using System.ComponentModel.DataAnnotations;

namespace Clip.Ingestion.Folders;

/// <summary>The embedded mode's watched folder. Bound from the <c>Clip:Folder</c> section.</summary>
public sealed class FolderSourceOptions
{
    public const string SectionName = "Clip:Folder";

    /// <summary>The folder to watch, searched recursively; created when missing. Relative paths resolve against the working directory.</summary>
    [Required]
    public string Path { get; set; } = "inbox";

    /// <summary>How often the folder is rescanned for new or changed files.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A file is taken once its size and modification time have not changed for this long, so a copy in progress is
    /// not read half-written.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Files handed to the pipeline at once.</summary>
    [Range(1, 100_000)]
    public int MaxFilesInFlight { get; set; } = 256;

    /// <summary>Attempts per file when a transient failure (database down) makes the pipeline give it back.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Wait before a file given back is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);
}
