using System.Threading.Channels;
using Clip.Inference.Imaging;
using Clip.Ingestion.Events;
using Clip.Ingestion.Messages;
using Clip.Ingestion.Sources;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The labeling pipeline's plumbing: the stages joined by bounded channels, started together, stopped together.
/// <see cref="ResolveStage"/> (parse events, check sources) → <see cref="PrepareStage"/> (skip duplicates, fetch,
/// decode, preprocess; in parallel) → <see cref="EncodeStage"/> (batches by size or deadline; classify) →
/// <see cref="WriteStage"/> (one transaction per batch, retried) → the message's disposition, which
/// <see cref="JobSettler"/> decides by the <see cref="DispositionPolicy"/>. Every channel is bounded, so a slow stage
/// holds back the ones before it, up to the sources.
/// </summary>
internal sealed class LabelingPipeline : IMessageHandler, IAsyncDisposable
{
    private readonly TransientRetry _retry;
    private readonly PipelineOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<WorkItem> _messages;
    private readonly Channel<ImageJob> _jobs;
    private readonly Channel<PreparedImage> _prepared;
    private readonly Channel<PendingWrite> _writes;
    private readonly ResolveStage _resolve;
    private readonly PrepareStage _prepare;
    private readonly EncodeStage _encode;
    private readonly WriteStage _write;
    private readonly WorkerTelemetry _telemetry;
    private readonly CancellationTokenSource _abort = new();
    private Task? _running;
    private int _disposed;

    public LabelingPipeline(
        LabelingEngine engine,
        ILabelStore store,
        ImageFetcher fetcher,
        BlobCreatedEventParser parser,
        BlobSourcePolicy sources,
        PipelineOptions options,
        WorkerTelemetry telemetry,
        TransientRetry retry,
        DependencyHealth health,
        DecodeMemoryBudget decodeBudget,
        ILogger<LabelingPipeline> logger)
    {
        _retry = retry;
        _options = options;
        _telemetry = telemetry;
        _logger = logger;
        _messages = Bounded<WorkItem>(options.MessageQueueCapacity, singleReader: true);
        _jobs = Bounded<ImageJob>(options.EffectivePrepareConcurrency * 2, singleReader: false);
        _prepared = Bounded<PreparedImage>(options.BatchSize * 2, singleReader: true);
        _writes = Bounded<PendingWrite>(options.BatchSize * 4, singleReader: true);
        var settler = new JobSettler(_writes.Writer, telemetry, logger);
        _resolve = new ResolveStage(parser, sources, settler, logger);
        var duplicates = new DuplicateCheck((images, key, ct) => store.FindLabelledAsync(images, key.ModelId, key.TaxonomyVersion, key.HeadVersion, ct));
        _prepare = new PrepareStage(engine, duplicates, fetcher, retry, health, decodeBudget, settler, telemetry);
        _encode = new EncodeStage(engine, options, settler, telemetry, logger);
        _write = new WriteStage(store, retry, health, settler, telemetry, logger);
    }

    /// <summary>Whether the stages are running and none has failed.</summary>
    public bool IsRunning => _running is { IsCompleted: false };

    /// <summary>Starts the stages; messages can be handed in before this and wait in the first channel.</summary>
    public void Start()
    {
        var ct = _abort.Token;
        var resolve = RunStage("resolve", () => _resolve.RunAsync(_messages.Reader, _jobs.Writer, ct));
        var prepares = Enumerable.Range(0, _options.EffectivePrepareConcurrency)
            .Select(_ => RunStage("prepare", () => _prepare.RunAsync(_jobs.Reader, _prepared.Writer, ct)))
            .ToArray();
        var preparesDone = CompleteWhenDone(Task.WhenAll(prepares), _prepared.Writer);
        var encode = RunStage("encode", () => _encode.RunAsync(_prepared.Reader, ct));
        var writersDone = CompleteWhenDone(Task.WhenAll(resolve, preparesDone, encode), _writes.Writer);
        var write = RunStage("write", () => _write.RunAsync(_writes.Reader, ct));
        _running = Task.WhenAll(writersDone, write);
    }

    /// <summary>Runs a stage on the thread pool; a stage that fails stops the whole pipeline, so nothing waits on it forever.</summary>
    private Task RunStage(string name, Func<Task> stage) => Task.Run(
        async () =>
        {
            try
            {
                await stage();
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                Log.StageFailed(_logger, e, name);
                await _abort.CancelAsync();
                throw;
            }
        },
        CancellationToken.None);

    public async Task<MessageDisposition> HandleAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var activity = WorkerTelemetry.Tracing.StartActivity("clip.message");
        activity?.SetTag("messaging.message.id", message.Id);
        activity?.SetTag("messaging.message.delivery_count", message.DeliveryCount);
        if (message.EnqueuedAt is { } enqueued)
        {
            _telemetry.QueueWait(_retry.Time.GetUtcNow() - enqueued);
        }

        var item = new WorkItem(message, activity, _retry.DeadlineFromNow());
        await _messages.Writer.WriteAsync(item, cancellationToken);
        var disposition = await item.Completion.WaitAsync(cancellationToken);
        activity?.SetTag("clip.disposition", disposition.GetType().Name);
        return disposition;
    }

    /// <summary>Stops accepting messages and lets the stages finish what they hold; cancelling abandons the rest.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        _messages.Writer.TryComplete();
        if (_running is null)
        {
            return;
        }

        try
        {
            await _running.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await _abort.CancelAsync();
            await _running.ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may dispose it twice: it is registered as itself and as the message handler.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _messages.Writer.TryComplete();
        await _abort.CancelAsync();
        if (_running is not null)
        {
            await _running.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        _abort.Dispose();
    }

    private static Channel<T> Bounded<T>(int capacity, bool singleReader) => Channel.CreateBounded<T>(
        new BoundedChannelOptions(capacity) { SingleReader = singleReader, FullMode = BoundedChannelFullMode.Wait });

    private static async Task CompleteWhenDone<T>(Task producers, ChannelWriter<T> writer)
    {
        try
        {
            await producers;
        }
        finally
        {
            writer.TryComplete();
        }
    }
}
