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

    /// <summary>Attempts at a database call (a batch commit, a duplicate check) before its messages are given back for redelivery.</summary>
    [Range(1, 100)]
    public int WriteMaxAttempts { get; set; } = 5;

    /// <summary>
    /// Delay before the second database attempt, doubled for each one after it. The defaults hold a message about 7.5 s
    /// before giving it back, so a short outage does not use up Service Bus delivery attempts.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan WriteRetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

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
