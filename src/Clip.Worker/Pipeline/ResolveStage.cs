using System.Threading.Channels;
using Clip.Ingestion.Events;
using Clip.Ingestion.Messages;
using Clip.Ingestion.Sources;
using Clip.Labeling;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// The first stage: turns each message into image jobs. A local file is one job; an event message is parsed and
/// each BlobCreated event checked against the allow-list. Malformed messages and refused sources end here, recorded.
/// </summary>
internal sealed class ResolveStage(BlobCreatedEventParser parser, BlobSourcePolicy sources, JobSettler settler, ILogger logger)
{
    public async Task RunAsync(ChannelReader<WorkItem> messages, ChannelWriter<ImageJob> jobs, CancellationToken ct)
    {
        try
        {
            await foreach (var item in messages.ReadAllAsync(ct))
            {
                MessageDisposition resolved;
                try
                {
                    await ResolveAsync(item, jobs, ct);
                    resolved = MessageDisposition.Complete;
                }
#pragma warning disable CA1031 // A message the resolver chokes on is given back (dead-lettered on its last delivery); others go on.
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    resolved = settler.ResolverFailed(item, e);
                }

                item.Finish(resolved);
            }
        }
        finally
        {
            jobs.TryComplete();
        }
    }

    private async Task ResolveAsync(WorkItem item, ChannelWriter<ImageJob> jobs, CancellationToken ct)
    {
        switch (item.Message)
        {
            case LocalFileMessage file:
                item.AddJob();
                await jobs.WriteAsync(new FileImageJob(item, file.File), ct);
                return;
            case EventMessage events:
                await ResolveEventsAsync(item, events, jobs, ct);
                return;
            default:
                throw new InvalidOperationException($"No resolver for {item.Message.GetType().Name}.");
        }
    }

    private async Task ResolveEventsAsync(WorkItem item, EventMessage message, ChannelWriter<ImageJob> jobs, CancellationToken ct)
    {
        IReadOnlyList<ParsedEvent> events;
        try
        {
            events = parser.Parse(message.Body);
        }
        catch (MalformedEventException e)
        {
            item.AddJob();
            await settler.FailAsync(DispositionCase.MalformedEvent, item, $"message:{message.Id}", null, "malformed_event:" + e.ReasonCode, e.Message, ct);
            return;
        }

        foreach (var parsed in events)
        {
            switch (parsed)
            {
                case IgnoredEvent ignored:
                    Log.EventIgnored(logger, message.Id, ignored.Id, ignored.EventType, ignored.Reason);
                    break;
                case BlobCreatedEvent blob:
                    AllowedBlobSource source;
                    try
                    {
                        source = sources.Validate(blob);
                    }
                    catch (RefusedSourceException e)
                    {
                        Log.SourceRefused(logger, message.Id, e.ReasonCode, e.Message);
                        item.AddJob();
                        await settler.FailAsync(
                            DispositionCase.RefusedSource, item, BlobSourcePolicy.Recordable(blob.BlobUri.OriginalString), blob.ETag, "refused_source:" + e.ReasonCode, e.Message, ct);
                        continue;
                    }

                    item.AddJob();
                    await jobs.WriteAsync(new BlobImageJob(item, source, blob), ct);
                    break;
            }
        }
    }
}
