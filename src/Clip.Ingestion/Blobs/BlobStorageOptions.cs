using System.ComponentModel.DataAnnotations;

namespace Clip.Ingestion.Blobs;

/// <summary>How ingestion reaches Azure Blob Storage. Bound from the <c>Clip:Storage</c> section.</summary>
public sealed class BlobStorageOptions
{
    public const string SectionName = "Clip:Storage";

    /// <summary>
    /// A storage connection string, for development and Azurite. When empty, blobs are read with
    /// <c>DefaultAzureCredential</c> (workload identity in AKS). A secret: never logged.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Downloads in flight at once across the process; further fetches wait their turn.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentDownloads { get; set; } = 8;

    /// <summary>
    /// Tries per download for transient failures, the first included. Kept small: the worker abandons the
    /// message after that and Service Bus redelivers it later.
    /// </summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Back-off before the first retry; it doubles for each later one, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest back-off between two tries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Limit on one download, retries included; past it the fetch fails as transient.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
