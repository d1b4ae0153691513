using Clip.Worker.Telemetry;

namespace Clip.Benchmarks;

/// <summary>
/// Where the harness's worker hosts take their images from. Each host gets its own batch of distinct images, all of
/// them in place before the host starts, so the producer never holds the worker back.
/// </summary>
internal interface IWorkerFeed : IAsyncDisposable
{
    /// <summary>Worker settings every host fed from here needs.</summary>
    IReadOnlyDictionary<string, string?> HostSettings { get; }

    /// <summary>The source and its settings, as a phrase.</summary>
    string Description { get; }

    /// <summary>What runs inside this process besides the worker (for the CPU table).</summary>
    string InProcess { get; }

    /// <summary>The child process serving the images, if any (for the CPU table).</summary>
    string? ChildProcess { get; }

    /// <summary>Puts <paramref name="count"/> distinct images where one new host will find them.</summary>
    Task<FilledFeed> FillAsync(string run, int count);
}

/// <summary>One host's images, in place: the settings that point the host at them and a way to wait until it has done them all.</summary>
internal abstract class FilledFeed
{
    /// <summary>Settings for the host that takes these images, over <see cref="IWorkerFeed.HostSettings"/>.</summary>
    public abstract IReadOnlyDictionary<string, string?> HostSettings { get; }

    /// <summary>How the images were put in place and how long that took, as a sentence.</summary>
    public abstract string Preparation { get; }

    /// <summary>Messages the source gave up on (its dead-letter queue); 0 where there is none.</summary>
    public abstract int DeadLettered { get; }

    /// <summary>Waits until every image is settled with the source.</summary>
    /// <exception cref="TimeoutException">Not all were within <paramref name="patience"/>.</exception>
    public abstract Task WaitUntilDoneAsync(WorkerTelemetry telemetry, TimeSpan patience);
}
