using System.ComponentModel.DataAnnotations;

namespace Clip.Worker.Pipeline;

/// <summary>Sizes and time limits of the labeling pipeline's stages. Bound from the <c>Clip:Pipeline</c> section.</summary>
public sealed class PipelineOptions
{
    public const string SectionName = "Clip:Pipeline";

    /// <summary>A shipped taxonomy's name or a taxonomy file.</summary>
    [Required]
    public string Taxonomy { get; set; } = "tiny-shapes";

    /// <summary>Images per encoder call and most images per database transaction.</summary>
    [Range(1, 4096)]
    public int BatchSize { get; set; } = 32;

    /// <summary>A partial batch is encoded once its first image has waited this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BatchDeadline { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Images downloaded, decoded and preprocessed at once; 0 means one per CPU core.</summary>
    [Range(0, 1024)]
    public int PrepareConcurrency { get; set; }

    /// <summary>Messages accepted ahead of the resolve stage; the sources wait when it is full.</summary>
    [Range(1, 100_000)]
    public int MessageQueueCapacity { get; set; } = 256;

    /// <summary>
    /// How long the worker holds a message while it retries transient storage and database failures (backoff with
    /// jitter, lock renewed) before giving it back. Keep it under <c>Clip:ServiceBus:MaxLockRenewalDuration</c>: the
    /// default rides out a five-minute outage with at most one redelivery.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the first retry; each later wait doubles, up to <see cref="RetryMaxDelay"/>, and is jittered down by up to half.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The longest wait between two retries, and so how long a recovered dependency can go unnoticed.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// At SIGTERM, how long in-flight messages get to finish before they are abandoned; keep Kubernetes'
    /// <c>terminationGracePeriodSeconds</c> longer than this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the worker looks for a newly promoted (or rolled back) classifier head; zero: never, pure zero-shot.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan HeadPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When <see cref="Taxonomy"/> is a file, how often its content is checked; a change switches the worker to the
    /// new taxonomy without a restart. Zero: read once at start.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan TaxonomyPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The effective <see cref="PrepareConcurrency"/>.</summary>
    internal int EffectivePrepareConcurrency => PrepareConcurrency > 0 ? PrepareConcurrency : Environment.ProcessorCount;
}
