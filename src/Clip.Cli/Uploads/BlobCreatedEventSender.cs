using Azure.Messaging.ServiceBus;
using Clip.Ingestion.Events;

namespace Clip.Cli.Uploads;

/// <summary>The body schema of the events, as an Event Grid subscription's delivery schema would be set.</summary>
internal enum EventSchema
{
    EventGrid,
    CloudEvents,
}

/// <summary>What became of one event: sent with <see cref="MessageId"/>, or not sent because of <see cref="Error"/>.</summary>
internal sealed record EventOutcome(string? MessageId, string? Error);

/// <summary>
/// Sends the BlobCreated events Event Grid would send for uploaded blobs, in as few Service Bus batches as fit;
/// a batch the queue refuses fails its events only.
/// </summary>
internal sealed class BlobCreatedEventSender(ServiceBusSender sender, EventSchema schema, string storageAccountResourceId)
{
    /// <summary>The event for a blob this run uploaded with a single Put Blob.</summary>
    public static BlobCreatedEvent For(string container, string blobName, UploadedBlob blob) =>
        new(Guid.NewGuid().ToString(), blob.Uri, container, blobName, blob.ETag, blob.Bytes, blob.ContentType, "PutBlob");

    /// <summary>The resource id Event Grid puts in <c>topic</c>/<c>source</c>; the subscription is a placeholder, as no one reads it here.</summary>
    public static string AccountResourceId(string accountName) =>
        $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{accountName}";

    /// <summary>Opens the link to the queue, so a wrong name or an absent broker shows before anything is uploaded.</summary>
    /// <exception cref="CommandInputException">The queue does not exist.</exception>
    public async Task CheckQueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            using var probe = await sender.CreateMessageBatchAsync(cancellationToken);
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessagingEntityNotFound)
        {
            throw new CommandInputException($"queue '{queue}' does not exist");
        }
    }

    /// <summary>Outcomes in the order of <paramref name="events"/>.</summary>
    public async Task<EventOutcome[]> SendAsync(IReadOnlyList<(BlobCreatedEvent Event, DateTimeOffset Time)> events, CancellationToken cancellationToken)
    {
        var outcomes = new EventOutcome[events.Count];
        try
        {
            await SendInBatchesAsync(events, outcomes, cancellationToken);
        }
        catch (ServiceBusException e)
        {
            // A batch could not even be created (the broker went away): the events not yet sent fail, the uploads stand.
            var failure = new EventOutcome(null, $"event not sent: {CommandFailure.Describe(e)}");
            for (var i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] ??= failure;
            }
        }

        return outcomes;
    }

    private async Task SendInBatchesAsync(
        IReadOnlyList<(BlobCreatedEvent Event, DateTimeOffset Time)> events, EventOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var members = new List<int>();
        var batch = await sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            for (var i = 0; i < events.Count; i++)
            {
                var message = Message(events[i].Event, events[i].Time);
                if (batch.TryAddMessage(message))
                {
                    members.Add(i);
                    continue;
                }

                if (members.Count > 0)
                {
                    await FlushAsync(batch, members, events, outcomes, cancellationToken);
                    batch.Dispose();
                    batch = await sender.CreateMessageBatchAsync(cancellationToken);
                    if (batch.TryAddMessage(message))
                    {
                        members.Add(i);
                        continue;
                    }
                }

                outcomes[i] = new EventOutcome(null, "the event is larger than a Service Bus message may be");
            }

            await FlushAsync(batch, members, events, outcomes, cancellationToken);
        }
        finally
        {
            batch.Dispose();
        }
    }

    private ServiceBusMessage Message(BlobCreatedEvent blobEvent, DateTimeOffset time)
    {
        var body = schema == EventSchema.CloudEvents
            ? BlobCreatedEventWriter.CloudEvent(blobEvent, storageAccountResourceId, time)
            : BlobCreatedEventWriter.EventGrid(blobEvent, storageAccountResourceId, time);
        return new ServiceBusMessage(body) { MessageId = blobEvent.Id, ContentType = "application/json" };
    }

    private async Task FlushAsync(
        ServiceBusMessageBatch batch, List<int> members, IReadOnlyList<(BlobCreatedEvent Event, DateTimeOffset Time)> events, EventOutcome[] outcomes, CancellationToken cancellationToken)
    {
        if (members.Count == 0)
        {
            return;
        }

        EventOutcome? failure = null;
        try
        {
            await sender.SendMessagesAsync(batch, cancellationToken);
        }
        catch (ServiceBusException e)
        {
            failure = new EventOutcome(null, $"event not sent: {CommandFailure.Describe(e)}");
        }

        foreach (var i in members)
        {
            outcomes[i] = failure ?? new EventOutcome(events[i].Event.Id, null);
        }

        members.Clear();
    }
}
