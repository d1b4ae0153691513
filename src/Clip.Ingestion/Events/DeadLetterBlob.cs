using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Clip.Ingestion.Events;

/// <summary>One event of a dead-letter blob, as the queue would have received it: <see cref="Body"/> is the event object alone.</summary>
/// <param name="Id">The event's id.</param>
/// <param name="MessageId">The Service Bus message id to send it with: the event id, so duplicate detection drops a second replay.</param>
/// <param name="DeadLetterReason">Why Event Grid gave up on it (<c>deadLetterReason</c>), when it says.</param>
/// <param name="Body">UTF-8 JSON, the event without Event Grid's dead-letter properties.</param>
public sealed record DeadLetteredEvent(string Id, string MessageId, string? DeadLetterReason, byte[] Body);

/// <summary>
/// Reads the blobs an Event Grid subscription writes to its dead-letter container. Each blob is a JSON array of one or
/// more events, each the event as published plus the dead-letter properties (deadLetterReason, deliveryAttempts,
/// lastDeliveryOutcome, lastHttpStatusCode, publishTime, lastDeliveryAttemptTime). Blob names are
/// <c>&lt;SUBSCRIPTION-NAME-UPPER&gt;/yyyy/M/d/H/&lt;guid&gt;.json</c> (system topics put the topic name, upper-cased, in
/// front; the date and hour are UTC and not zero-padded), per Microsoft Learn, "Set dead-letter location and retry
/// policy" (azure/event-grid/manage-event-delivery) and "Event Grid message delivery and retry". Nothing here depends
/// on the path: readers list the container, or a prefix of it.
/// </summary>
public static class DeadLetterBlob
{
    /// <summary>The properties Event Grid adds when it dead-letters an event; a Service Bus delivery carries none of them.</summary>
    public static IReadOnlySet<string> DeadLetterProperties { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "deadLetterReason", "deliveryAttempts", "lastDeliveryOutcome", "lastHttpStatusCode", "publishTime", "lastDeliveryAttemptTime",
    };

    private const int MaxMessageIdLength = 128;

    /// <summary>The events of one dead-letter blob, in order, stripped of the dead-letter properties.</summary>
    /// <exception cref="MalformedEventException">The blob is not a non-empty JSON array of event objects with string ids.</exception>
    public static IReadOnlyList<DeadLetteredEvent> Parse(ReadOnlyMemory<byte> content)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(content.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw new MalformedEventException(MalformedEventReason.NotJson, "The blob is not valid UTF-8 JSON.", e);
        }

        if (root is not JsonArray events)
        {
            throw new MalformedEventException(MalformedEventReason.NotObjectOrArray, "The blob is not a JSON array of events.");
        }

        if (events.Count == 0)
        {
            throw new MalformedEventException(MalformedEventReason.EmptyBatch, "The blob is an empty array of events.");
        }

        var parsed = new List<DeadLetteredEvent>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not JsonObject deadLettered)
            {
                throw new MalformedEventException(MalformedEventReason.InvalidField, $"Event {i} is not a JSON object.");
            }

            if (deadLettered["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id) || string.IsNullOrEmpty(id))
            {
                throw new MalformedEventException(MalformedEventReason.MissingField, $"Event {i} has no string 'id'.");
            }

            var reason = deadLettered["deadLetterReason"] is JsonValue r && r.TryGetValue<string>(out var text) ? text : null;
            var delivered = new JsonObject();
            foreach (var (name, value) in deadLettered)
            {
                if (!DeadLetterProperties.Contains(name))
                {
                    delivered[name] = value?.DeepClone();
                }
            }

            parsed.Add(new DeadLetteredEvent(id, MessageIdFor(id), reason, JsonSerializer.SerializeToUtf8Bytes(delivered)));
        }

        return parsed;
    }

    /// <summary>The event id itself, as <c>clip upload</c> sends events; one too long for a message id becomes its SHA-256.</summary>
    public static string MessageIdFor(string eventId) =>
        eventId.Length <= MaxMessageIdLength
            ? eventId
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)));
}
