using System.Globalization;
using Azure;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Clip.Ingestion.Events;

namespace Clip.Cli.Replay;

/// <summary>What became of one dead-letter blob.</summary>
/// <param name="Name">The blob's name in the container.</param>
/// <param name="Events">Events in the blob (0 when it could not be read).</param>
/// <param name="Sent">Events the queue accepted (0 on a dry run).</param>
/// <param name="Deleted">Whether the blob was deleted, every one of its events sent.</param>
/// <param name="Error">Why the blob was skipped or not fully sent; null when all its events were sent (or would be).</param>
/// <param name="Malformed">Whether the blob is not a dead-letter batch at all (reported and left in place).</param>
internal sealed record ReplayedBlob(string Name, int Events, int Sent, bool Deleted, string? Error, bool Malformed);

/// <summary>
/// Sends the events of Event Grid's dead-letter blobs to the queue Event Grid failed to deliver them to, one Service
/// Bus message per event with exactly the body a live delivery has, so the worker handles a replayed event as it
/// would have handled the original. A blob is deleted (with <c>deleteAfter</c>) only once every one of its events was
/// sent; one that is not a dead-letter batch is reported and left alone.
/// </summary>
internal sealed class DeadLetterReplay(BlobContainerClient container, ServiceBusSender? sender, bool deleteAfter)
{
    /// <summary>The blobs under <paramref name="prefix"/> in name order, each reported to <paramref name="report"/> as it is done.</summary>
    public async Task ReplayAsync(string? prefix, Action<ReplayedBlob> report, CancellationToken cancellationToken)
    {
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, string.IsNullOrEmpty(prefix) ? null : prefix, cancellationToken))
        {
            report(await ReplayBlobAsync(item.Name, cancellationToken));
        }
    }

    private async Task<ReplayedBlob> ReplayBlobAsync(string name, CancellationToken cancellationToken)
    {
        var blob = container.GetBlobClient(name);
        Response<BlobDownloadResult> content;
        try
        {
            content = await blob.DownloadContentAsync(cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new ReplayedBlob(name, 0, 0, false, "deleted since it was listed", Malformed: false);
        }

        IReadOnlyList<DeadLetteredEvent> events;
        try
        {
            events = DeadLetterBlob.Parse(content.Value.Content.ToMemory());
        }
        catch (MalformedEventException e)
        {
            return new ReplayedBlob(name, 0, 0, false, $"not a dead-letter batch ({e.ReasonCode}): {e.Message}", Malformed: true);
        }

        if (sender is null)
        {
            return new ReplayedBlob(name, events.Count, 0, false, null, Malformed: false);
        }

        var (sent, error) = await SendAsync(events, cancellationToken);
        if (error is not null || !deleteAfter)
        {
            return new ReplayedBlob(name, events.Count, sent, false, error, Malformed: false);
        }

        try
        {
            // Only this version of the blob: one rewritten since it was read may hold events not sent.
            await blob.DeleteAsync(conditions: new() { IfMatch = content.Value.Details.ETag }, cancellationToken: cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return new ReplayedBlob(name, events.Count, sent, false, "rewritten since it was read: its events were sent, the blob is kept", Malformed: false);
        }

        return new ReplayedBlob(name, events.Count, sent, true, null, Malformed: false);
    }

    private async Task<(int Sent, string? Error)> SendAsync(IReadOnlyList<DeadLetteredEvent> events, CancellationToken cancellationToken)
    {
        var sent = 0;
        var pending = 0;
        try
        {
            var batch = await sender!.CreateMessageBatchAsync(cancellationToken);
            try
            {
                foreach (var deadLettered in events)
                {
                    var message = new ServiceBusMessage(deadLettered.Body) { MessageId = deadLettered.MessageId, ContentType = "application/json" };
                    if (batch.TryAddMessage(message))
                    {
                        pending++;
                        continue;
                    }

                    if (pending > 0)
                    {
                        await sender.SendMessagesAsync(batch, cancellationToken);
                        sent += pending;
                        pending = 0;
                        batch.Dispose();
                        batch = await sender.CreateMessageBatchAsync(cancellationToken);
                        if (batch.TryAddMessage(message))
                        {
                            pending++;
                            continue;
                        }
                    }

                    return (sent, string.Create(CultureInfo.InvariantCulture, $"event {deadLettered.Id} is larger than a Service Bus message may be"));
                }

                if (pending > 0)
                {
                    await sender.SendMessagesAsync(batch, cancellationToken);
                    sent += pending;
                }
            }
            finally
            {
                batch.Dispose();
            }
        }
        catch (ServiceBusException e)
        {
            return (sent, $"not all events sent: {CommandFailure.Describe(e)}");
        }

        return (sent, null);
    }
}

/// <summary>The counts <c>clip replay-events</c> ends with.</summary>
internal sealed class ReplaySummary
{
    public int Blobs { get; private set; }

    public int Malformed { get; private set; }

    public int Failed { get; private set; }

    public int Events { get; private set; }

    public int Sent { get; private set; }

    public int Deleted { get; private set; }

    public void Add(ReplayedBlob blob)
    {
        Blobs++;
        Malformed += blob.Malformed ? 1 : 0;
        Failed += blob.Error is not null && !blob.Malformed ? 1 : 0;
        Events += blob.Events;
        Sent += blob.Sent;
        Deleted += blob.Deleted ? 1 : 0;
    }

    public string Describe(bool dryRun) => dryRun
        ? string.Create(CultureInfo.InvariantCulture, $"dry run: {Blobs} blobs, {Malformed} malformed, {Events} events would be sent")
        : string.Create(CultureInfo.InvariantCulture, $"{Blobs} blobs, {Malformed} malformed, {Failed} failed; {Sent} of {Events} events sent; {Deleted} blobs deleted");
}
