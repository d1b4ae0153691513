using System.Buffers;
using System.Diagnostics;
using System.Globalization;
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
/// The labeling pipeline as bounded stages joined by channels:
/// resolve (parse events, check sources) → prepare (fetch, skip duplicates, decode, preprocess; in parallel) →
/// encode (batches by size or deadline; classify) → write (one transaction per batch, retried) → the message's
/// disposition. Every channel is bounded, so a slow stage holds back the ones before it, up to the sources.
/// </summary>
internal sealed class LabelingPipeline : IMessageHandler, IAsyncDisposable
{
    private const int MaxOutcomesPerTransaction = 1024;
    private const string DatabaseUnavailable = "database_unavailable";

    private readonly LabelingEngine _engine;
    private readonly ILabelStore _store;
    private readonly ImageFetcher _fetcher;
    private readonly BlobCreatedEventParser _parser;
    private readonly BlobSourcePolicy _sources;
    private readonly PipelineOptions _options;
    private readonly WorkerTelemetry _telemetry;
    private readonly ILogger _logger;
    private readonly Channel<WorkItem> _messages;
    private readonly Channel<ImageJob> _jobs;
    private readonly Channel<PreparedImage> _prepared;
    private readonly Channel<PendingWrite> _writes;
    private readonly TransientRetry _retry;
    private readonly DependencyHealth _health;
    private readonly DecodeMemoryBudget _decodeBudget;
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
        _engine = engine;
        _store = store;
        _fetcher = fetcher;
        _parser = parser;
        _sources = sources;
        _options = options;
        _telemetry = telemetry;
        _logger = logger;
        _retry = retry;
        _health = health;
        _decodeBudget = decodeBudget;
        _messages = Bounded<WorkItem>(options.MessageQueueCapacity, singleReader: true);
        _jobs = Bounded<ImageJob>(options.EffectivePrepareConcurrency * 2, singleReader: false);
        _prepared = Bounded<PreparedImage>(options.BatchSize * 2, singleReader: true);
        _writes = Bounded<PendingWrite>(options.BatchSize * 4, singleReader: true);
    }

    /// <summary>Whether the stages are running and none has failed.</summary>
    public bool IsRunning => _running is { IsCompleted: false };

    /// <summary>Starts the stages; messages can be handed in before this and wait in the first channel.</summary>
    public void Start()
    {
        var ct = _abort.Token;
        var resolve = RunStage("resolve", () => ResolveAsync(ct));
        var prepares = Enumerable.Range(0, _options.EffectivePrepareConcurrency).Select(_ => RunStage("prepare", () => PrepareAsync(ct))).ToArray();
        var preparesDone = CompleteWhenDone(Task.WhenAll(prepares), _prepared.Writer);
        var encode = RunStage("encode", () => EncodeAsync(ct));
        var writersDone = CompleteWhenDone(Task.WhenAll(resolve, preparesDone, encode), _writes.Writer);
        var write = RunStage("write", () => WriteAsync(ct));
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

    private async Task ResolveAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var item in _messages.Reader.ReadAllAsync(ct))
            {
                MessageDisposition resolved;
                try
                {
                    await ResolveAsync(item, ct);
                    resolved = MessageDisposition.Complete;
                }
#pragma warning disable CA1031 // A message the resolver chokes on is given back (and dead-lettered by the broker's delivery limit); others go on.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    Log.ResolveFailed(_logger, e, item.Message.Id);
                    resolved = item.Message.IsLastDelivery
                        ? MessageDisposition.DeadLetter(Exhausted("resolve_failed"), e.Message)
                        : MessageDisposition.Abandon("resolve_failed");
                }

                item.Finish(resolved);
            }
        }
        finally
        {
            _jobs.Writer.TryComplete();
        }
    }

    private async Task ResolveAsync(WorkItem item, CancellationToken ct)
    {
        switch (item.Message)
        {
            case LocalFileMessage file:
                item.AddJob();
                await _jobs.Writer.WriteAsync(new FileImageJob(item, file.File), ct);
                return;
            case EventMessage events:
                await ResolveEventsAsync(item, events, ct);
                return;
            default:
                throw new InvalidOperationException($"No resolver for {item.Message.GetType().Name}.");
        }
    }

    private async Task ResolveEventsAsync(WorkItem item, EventMessage message, CancellationToken ct)
    {
        IReadOnlyList<ParsedEvent> events;
        try
        {
            events = _parser.Parse(message.Body);
        }
        catch (MalformedEventException e)
        {
            var reason = "malformed_event:" + e.ReasonCode;
            item.AddJob();
            await FailAsync(item, $"message:{message.Id}", null, FailureStage.Event, reason, e.Message, MessageDisposition.DeadLetter(reason, e.Message), ct);
            return;
        }

        foreach (var parsed in events)
        {
            switch (parsed)
            {
                case IgnoredEvent ignored:
                    Log.EventIgnored(_logger, message.Id, ignored.Id, ignored.EventType, ignored.Reason);
                    break;
                case BlobCreatedEvent blob:
                    AllowedBlobSource source;
                    try
                    {
                        source = _sources.Validate(blob);
                    }
                    catch (RefusedSourceException e)
                    {
                        var reason = "refused_source:" + e.ReasonCode;
                        Log.SourceRefused(_logger, message.Id, e.ReasonCode, e.Message);
                        item.AddJob();
                        await FailAsync(item, BlobSourcePolicy.Recordable(blob.BlobUri.OriginalString), blob.ETag, FailureStage.Validate, reason, e.Message, MessageDisposition.DeadLetter(reason, e.Message), ct);
                        continue;
                    }

                    item.AddJob();
                    await _jobs.Writer.WriteAsync(new BlobImageJob(item, source, blob), ct);
                    break;
            }
        }
    }

    private async Task PrepareAsync(CancellationToken ct)
    {
        await foreach (var job in _jobs.Reader.ReadAllAsync(ct))
        {
            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.prepare", ActivityKind.Internal, job.Owner.Activity?.Context ?? default);
            activity?.SetTag("clip.source", job.SourceUri);
            var prepared = await PrepareAsync(job, ct);
            if (prepared is not null)
            {
                await _prepared.Writer.WriteAsync(prepared, ct);
            }
        }
    }

    /// <summary>The preprocessed image, or null when the job already ended (failed, duplicate, given back).</summary>
    private async Task<PreparedImage?> PrepareAsync(ImageJob job, CancellationToken ct)
    {
        // A blob event names its version, so a redelivered event is recognised before anything is downloaded.
        var announced = ImageFetcher.AnnouncedVersion(job);
        if (announced is not null && await IsDoneAsync(job, announced, ct) is { } before)
        {
            return before ? Skip(job) : null;
        }

        var started = Stopwatch.GetTimestamp();
        var fetched = await FetchAsync(job, announced, ct);
        if (fetched is null)
        {
            return null;
        }

        var fetchTime = Stopwatch.GetElapsedTime(started);
        _telemetry.Fetched(fetchTime);
        if (fetched.EtagOrHash != announced && await IsDoneAsync(job, fetched.EtagOrHash, ct) is { } after)
        {
            return after ? Skip(job) : null;
        }

        var preprocessor = _engine.Model.Preprocessor;
        var decodeStarted = Stopwatch.GetTimestamp();
        var pixels = ArrayPool<float>.Shared.Rent(_engine.ImageLength);
        _telemetry.ImageHeld();
        try
        {
            // Decoded pixels are what can run a node out of memory: wait for room in the budget before decoding.
            var cost = preprocessor.DecodeCost(fetched.Bytes);
            if (cost > _decodeBudget.Total)
            {
                throw new ImageRejectedException(
                    ImageRejectionReason.OverMemoryBudget,
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Decoding it needs up to {cost >> 20} MiB, more than the {_decodeBudget.Total >> 20} MiB of {ImageLimits.SectionName}:{nameof(ImageLimits.DecodeMemoryBudget)} for all images together."));
            }

            ImageSize size;
            using (await _decodeBudget.AcquireAsync(cost, ct))
            {
                size = preprocessor.Preprocess(fetched.Bytes, pixels.AsSpan(0, _engine.ImageLength));
            }

            var decodeTime = Stopwatch.GetElapsedTime(decodeStarted);
            _telemetry.Decoded(decodeTime);
            return new PreparedImage(job, fetched.EtagOrHash, fetched.Bytes.LongLength, size, pixels, fetchTime.TotalMilliseconds, decodeTime.TotalMilliseconds);
        }
        catch (ImageRejectedException e)
        {
            ArrayPool<float>.Shared.Return(pixels);
            _telemetry.ImageReleased();
            await FailAsync(job.Owner, job.SourceUri, fetched.EtagOrHash, FailureStage.Decode, e.ReasonCode, e.Message, MessageDisposition.DeadLetter(e.ReasonCode, e.Message), ct);
            return null;
        }
        catch
        {
            ArrayPool<float>.Shared.Return(pixels);
            _telemetry.ImageReleased();
            throw;
        }
    }

    /// <summary>
    /// The image's bytes, retrying transient failures with backoff until the message's deadline; null when the job
    /// already ended (a recorded failure, or given back).
    /// </summary>
    private async Task<FetchedImage?> FetchAsync(ImageJob job, string? announced, CancellationToken ct)
    {
        var storage = job is BlobImageJob ? _health.Storage : null;
        try
        {
            var (fetched, image, failure) = await _retry.RunAsync(
                $"Fetching {job.SourceUri}", storage, job.Owner.Deadline, token => _fetcher.FetchAsync(job, token), static e => e is ImageFetchException { Transient: true }, ct);
            if (fetched)
            {
                return image;
            }

            var last = (ImageFetchException)failure!;
            await GiveBackAsync(job.Owner, job.SourceUri, announced, FailureStage.Download, last.Reason, last.Message, ct);
            return null;
        }
        catch (ImageFetchException e)
        {
            // Storage answered, if only to say no.
            storage?.Succeeded();
            var disposition = e.Poison ? MessageDisposition.DeadLetter(e.Reason, e.Message) : MessageDisposition.Complete;
            await FailAsync(job.Owner, job.SourceUri, announced, FailureStage.Download, e.Reason, e.Message, disposition, ct);
            return null;
        }
    }

    /// <summary>
    /// Null when this version still needs labelling; true when it already has a result; false when the database could
    /// not say, in which case the job has been given back.
    /// </summary>
    private async Task<bool?> IsDoneAsync(ImageJob job, string version, CancellationToken ct)
    {
        // Whatever the database throws is retried, then the job given back; nothing is settled on it.
        var (answered, labelled, failure) = await _retry.RunAsync(
            "The duplicate check",
            _health.Database,
            job.Owner.Deadline,
            token => _store.IsLabelledAsync(job.SourceUri, version, _engine.ModelId, _engine.TaxonomyVersion, _engine.HeadVersion, token),
            static _ => true,
            ct);
        if (!answered)
        {
            await GiveBackAsync(job.Owner, job.SourceUri, version, FailureStage.Write, DatabaseUnavailable, "the database could not say whether the image is already labelled: " + failure!.Message, ct);
            return false;
        }

        return labelled ? true : null;
    }

    private PreparedImage? Skip(ImageJob job)
    {
        _telemetry.ImageFinished("skipped");
        job.Owner.Finish(MessageDisposition.Complete);
        return null;
    }

    private async Task EncodeAsync(CancellationToken ct)
    {
        var length = _engine.ImageLength;
        var pixels = new float[_options.BatchSize * length];
        var batch = new List<PreparedImage>(_options.BatchSize);
        while (await NextBatchAsync(batch, ct))
        {
            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.encode");
            activity?.SetTag("clip.batch.size", batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Pixels.AsSpan(0, length).CopyTo(pixels.AsSpan(i * length, length));
                ArrayPool<float>.Shared.Return(batch[i].Pixels);
                _telemetry.ImageReleased();
            }

            var started = Stopwatch.GetTimestamp();
            List<PendingWrite> results;
            try
            {
                var embeddings = _engine.Encode(pixels.AsMemory(0, batch.Count * length), batch.Count);
                var elapsed = Stopwatch.GetElapsedTime(started);
                _telemetry.Encoded(batch.Count, elapsed);
                var perImageMs = elapsed.TotalMilliseconds / batch.Count;
                var state = _engine.State;
                results = batch.Select((image, i) => new PendingWrite(
                    image.Job.Owner,
                    _engine.Label(
                        state,
                        new LabelSource(image.Job.SourceUri, image.EtagOrHash, image.SizeBytes, image.Size),
                        embeddings.Row(i),
                        new StageTimings(image.DecodeMs, perImageMs, image.FetchMs + image.DecodeMs + perImageMs)),
                    MessageDisposition.Complete)).ToList();
            }
#pragma warning disable CA1031 // An encoder failure (device lost, out of memory) gives the batch back; the worker keeps serving.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                Log.EncodeFailed(_logger, e, batch.Count);
                foreach (var image in batch)
                {
                    await GiveBackAsync(image.Job.Owner, image.Job.SourceUri, image.EtagOrHash, FailureStage.Encode, "encode_failed", e.Message, ct);
                }

                batch.Clear();
                continue;
            }

            batch.Clear();
            foreach (var result in results)
            {
                await _writes.Writer.WriteAsync(result, ct);
            }
        }
    }

    /// <summary>Fills <paramref name="batch"/> up to the batch size, or with what arrived by the deadline after its first image.</summary>
    /// <returns>False once the prepare stage has finished and nothing is left.</returns>
    private async Task<bool> NextBatchAsync(List<PreparedImage> batch, CancellationToken ct)
    {
        var reader = _prepared.Reader;
        if (!await reader.WaitToReadAsync(ct))
        {
            return false;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_options.BatchDeadline.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < _options.BatchSize)
        {
            if (reader.TryRead(out var image))
            {
                batch.Add(image);
                continue;
            }

            var remaining = TimeSpan.FromSeconds((double)(deadline - Stopwatch.GetTimestamp()) / Stopwatch.Frequency);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(remaining);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                break;
            }
        }

        return batch.Count > 0;
    }

    private async Task WriteAsync(CancellationToken ct)
    {
        var reader = _writes.Reader;
        var pending = new List<PendingWrite>();
        while (await reader.WaitToReadAsync(ct))
        {
            while (pending.Count < MaxOutcomesPerTransaction && reader.TryRead(out var write))
            {
                pending.Add(write);
            }

            using var activity = WorkerTelemetry.Tracing.StartActivity("clip.write");
            activity?.SetTag("clip.outcomes", pending.Count);
            await CommitAsync(pending, ct);
            pending.Clear();
        }
    }

    /// <summary>
    /// Writes the outcomes in one transaction, retrying with backoff. A message whose deadline comes before the next
    /// retry is given back (dead-lettered on its last delivery) and its outcome dropped from the batch; every write
    /// ends finished one way or the other.
    /// </summary>
    private async Task CommitAsync(List<PendingWrite> pending, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        for (var retry = 1; ; retry++)
        {
            try
            {
                await _store.WriteBatchAsync(pending.ConvertAll(p => p.Outcome), ct);
            }
#pragma warning disable CA1031 // Whatever the database throws is retried, then given back; nothing is settled on it.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                _health.Database.Failed(e.Message);
                var delay = _retry.Delay(retry);
                var expired = pending.Where(p => !_retry.Allows(delay, p.Owner.Deadline)).ToHashSet();
                if (expired.Count > 0)
                {
                    Log.RetriesExhausted(_logger, $"Writing {pending.Count} outcomes", retry, expired.Count, e.Message);
                    foreach (var write in expired)
                    {
                        Unwritten(write.Owner, "the results could not be committed: " + e.Message);
                    }

                    pending.RemoveAll(expired.Contains);
                    if (pending.Count == 0)
                    {
                        return;
                    }
                }

                Log.Retrying(_logger, $"Writing {pending.Count} outcomes", retry, delay.TotalMilliseconds, e.Message);
                await _retry.WaitAsync(delay, ct);
                continue;
            }

            _health.Database.Succeeded();
            _telemetry.Written(Stopwatch.GetElapsedTime(started));
            foreach (var write in pending)
            {
                RecordOutcome(write.Outcome);
                write.Owner.Finish(write.OnCommit);
            }

            return;
        }
    }

    private void RecordOutcome(ImageOutcome outcome)
    {
        switch (outcome)
        {
            case LabelledImage labelled:
                _telemetry.ImageFinished(labelled.Abstained ? "abstained" : "labelled");
                break;
            case FailedImage failed:
                _telemetry.ImageFinished("failed");
                _telemetry.ImageFailed(failed.Stage.ToString().ToLowerInvariant(), failed.Reason);
                break;
        }
    }

    /// <summary>Sends a failure row to the write stage; the job (already added to <paramref name="owner"/>) ends when it commits.</summary>
    private async Task FailAsync(
        WorkItem owner, string sourceUri, string? etagOrHash, FailureStage stage, string reason, string detail, MessageDisposition onCommit, CancellationToken ct)
    {
        Log.ImageFailed(_logger, owner.Message.Id, sourceUri, reason, detail);
        await _writes.Writer.WriteAsync(new PendingWrite(owner, new FailedImage(sourceUri, etagOrHash, stage, reason, detail), onCommit), ct);
    }

    /// <summary>
    /// Ends a job that a transient failure held up past its message's deadline: the message is given back for
    /// redelivery, or, on its last delivery, dead-lettered with a failure row that says what kept failing.
    /// </summary>
    private async Task GiveBackAsync(
        WorkItem owner, string sourceUri, string? etagOrHash, FailureStage stage, string reason, string detail, CancellationToken ct)
    {
        if (!owner.Message.IsLastDelivery)
        {
            GiveBack(owner, reason, detail);
            return;
        }

        var exhausted = Exhausted(reason);
        Log.LastDeliveryFailed(_logger, owner.Message.Id, exhausted, detail);
        await FailAsync(owner, sourceUri, etagOrHash, stage, exhausted, detail, MessageDisposition.DeadLetter(exhausted, detail), ct);
    }

    /// <summary>Ends a job whose outcome could not be written; on the last delivery there is no row to write it to either.</summary>
    private void Unwritten(WorkItem owner, string detail)
    {
        if (!owner.Message.IsLastDelivery)
        {
            GiveBack(owner, DatabaseUnavailable, detail);
            return;
        }

        var exhausted = Exhausted(DatabaseUnavailable);
        Log.LastDeliveryFailed(_logger, owner.Message.Id, exhausted, detail);
        _telemetry.ImageFinished("failed");
        _telemetry.ImageFailed(nameof(FailureStage.Write).ToLowerInvariant(), exhausted);
        owner.Finish(MessageDisposition.DeadLetter(exhausted, detail));
    }

    private void GiveBack(WorkItem owner, string reason, string detail)
    {
        Log.GivingBack(_logger, owner.Message.Id, reason, detail);
        _telemetry.ImageFinished("given_back");
        owner.Finish(MessageDisposition.Abandon(reason));
    }

    /// <summary>The dead-letter reason of a message whose last delivery still met a transient failure.</summary>
    private static string Exhausted(string reason) => "retries_exhausted:" + reason;

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
