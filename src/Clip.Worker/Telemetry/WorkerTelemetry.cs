using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Clip.Worker.Telemetry;

/// <summary>
/// The worker's metrics and traces: one <see cref="Meter"/> and one <see cref="ActivitySource"/> named
/// <see cref="Name"/>. Also keeps running totals that the throughput harness and the shutdown log read.
/// </summary>
public sealed class WorkerTelemetry : IDisposable
{
    public const string Name = "Clip.Worker";

    private readonly Meter _meter;
    private readonly Counter<long> _images;
    private readonly Counter<long> _failures;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _stageDuration;
    private readonly Histogram<double> _queueWait;
    private readonly Counter<double> _encoderBusy;
    private readonly UpDownCounter<long> _imagesHeld;
    private long _held;
    private long _maxHeld;
    private long _imagesLabelled;
    private long _imagesFailed;
    private long _imagesSkipped;
    private long _imagesGivenBack;
    private long _batches;
    private long _encodeTicks;
    private long _fetchTicks;
    private long _decodeTicks;
    private long _writeTicks;

    public WorkerTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(Name);
        _images = _meter.CreateCounter<long>("clip.images.processed", "{image}", "Images the pipeline finished, by outcome (labelled, abstained, failed, skipped, given_back)");
        _failures = _meter.CreateCounter<long>("clip.images.failed", "{image}", "Images recorded as failures, by stage and reason");
        _batchSize = _meter.CreateHistogram<int>("clip.batch.size", "{image}", "Images per encoder batch");
        _stageDuration = _meter.CreateHistogram<double>("clip.stage.duration", "ms", "Time spent in a pipeline stage: fetch and decode per image, encode and write per batch");
        _queueWait = _meter.CreateHistogram<double>("clip.queue.wait", "ms", "Time from enqueue to the pipeline accepting the message");
        _imagesHeld = _meter.CreateUpDownCounter<long>("clip.pipeline.images_held", "{image}", "Preprocessed images held in memory between the prepare and encode stages");
        _encoderBusy = _meter.CreateCounter<double>("clip.encoder.busy", "s", "Seconds the image encoder spent encoding; its rate is the encoder's busy fraction");
    }

    public static ActivitySource Tracing { get; } = new(Name);

    public void ImageFinished(string outcome)
    {
        _images.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        switch (outcome)
        {
            case "labelled" or "abstained":
                Interlocked.Increment(ref _imagesLabelled);
                break;
            case "failed":
                Interlocked.Increment(ref _imagesFailed);
                break;
            case "skipped":
                Interlocked.Increment(ref _imagesSkipped);
                break;
            case "given_back":
                Interlocked.Increment(ref _imagesGivenBack);
                break;
        }
    }

    public void ImageFailed(string stage, string reason) =>
        _failures.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));

    public void QueueWait(TimeSpan wait) => _queueWait.Record(Math.Max(0, wait.TotalMilliseconds));

    public void Fetched(TimeSpan elapsed)
    {
        Interlocked.Add(ref _fetchTicks, elapsed.Ticks);
        _stageDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("stage", "fetch"));
    }

    public void Decoded(TimeSpan elapsed)
    {
        Interlocked.Add(ref _decodeTicks, elapsed.Ticks);
        _stageDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("stage", "decode"));
    }

    public void Encoded(int batchSize, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _encodeTicks, elapsed.Ticks);
        _batchSize.Record(batchSize);
        _encoderBusy.Add(elapsed.TotalSeconds);
        _stageDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("stage", "encode"));
    }

    public void Written(TimeSpan elapsed)
    {
        Interlocked.Add(ref _writeTicks, elapsed.Ticks);
        _stageDuration.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("stage", "write"));
    }

    /// <summary>A preprocessed image now occupies a pixel buffer.</summary>
    public void ImageHeld()
    {
        _imagesHeld.Add(1);
        var held = Interlocked.Increment(ref _held);
        long max;
        while (held > (max = Interlocked.Read(ref _maxHeld)) && Interlocked.CompareExchange(ref _maxHeld, held, max) != max)
        {
        }
    }

    /// <summary>A pixel buffer went back to the pool.</summary>
    public void ImageReleased()
    {
        _imagesHeld.Add(-1);
        Interlocked.Decrement(ref _held);
    }

    /// <summary>Running totals since start.</summary>
    public PipelineTotals Totals() => new(
        Interlocked.Read(ref _imagesLabelled),
        Interlocked.Read(ref _imagesFailed),
        Interlocked.Read(ref _imagesSkipped),
        Interlocked.Read(ref _imagesGivenBack),
        Interlocked.Read(ref _batches),
        TimeSpan.FromTicks(Interlocked.Read(ref _fetchTicks)),
        TimeSpan.FromTicks(Interlocked.Read(ref _decodeTicks)),
        TimeSpan.FromTicks(Interlocked.Read(ref _encodeTicks)),
        TimeSpan.FromTicks(Interlocked.Read(ref _writeTicks)),
        Interlocked.Read(ref _maxHeld));

    public void Dispose() => _meter.Dispose();
}

/// <summary>
/// Totals since the worker started; fetch and decode are summed over parallel workers. MaxImagesHeld is the most
/// preprocessed images ever held in memory at once, which back-pressure bounds.
/// </summary>
public sealed record PipelineTotals(
    long ImagesLabelled,
    long ImagesFailed,
    long ImagesSkipped,
    long ImagesGivenBack,
    long Batches,
    TimeSpan FetchTime,
    TimeSpan DecodeTime,
    TimeSpan EncodeTime,
    TimeSpan WriteTime,
    long MaxImagesHeld);
