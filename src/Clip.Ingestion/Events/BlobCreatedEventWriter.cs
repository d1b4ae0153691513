using System.Globalization;
using System.Text.Json;

namespace Clip.Ingestion.Events;

/// <summary>
/// Writes BlobCreated events the way Event Grid delivers them to a Service Bus queue, for <c>clip upload</c> and tests
/// against a local broker. The output parses back with <see cref="BlobCreatedEventParser"/>.
/// </summary>
public static class BlobCreatedEventWriter
{
    /// <summary>
    /// One event in the Event Grid schema (an object, not an array, as a Service Bus endpoint receives it).
    /// <paramref name="storageAccountResourceId"/> is the topic, e.g. <c>/subscriptions/…/storageAccounts/myaccount</c>; informational.
    /// </summary>
    public static byte[] EventGrid(BlobCreatedEvent blobEvent, string storageAccountResourceId, DateTimeOffset eventTime)
    {
        ArgumentNullException.ThrowIfNull(blobEvent);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("topic", storageAccountResourceId);
            json.WriteString("subject", Subject(blobEvent));
            json.WriteString("eventType", BlobCreatedEventParser.BlobCreatedEventType);
            json.WriteString("id", blobEvent.Id);
            WriteData(json, blobEvent);
            json.WriteString("dataVersion", "");
            json.WriteString("metadataVersion", "1");
            json.WriteString("eventTime", eventTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>One event in the CloudEvents 1.0 schema.</summary>
    public static byte[] CloudEvent(BlobCreatedEvent blobEvent, string storageAccountResourceId, DateTimeOffset eventTime)
    {
        ArgumentNullException.ThrowIfNull(blobEvent);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("specversion", "1.0");
            json.WriteString("type", BlobCreatedEventParser.BlobCreatedEventType);
            json.WriteString("source", storageAccountResourceId);
            json.WriteString("id", blobEvent.Id);
            json.WriteString("time", eventTime.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteString("subject", Subject(blobEvent));
            WriteData(json, blobEvent);
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Subject(BlobCreatedEvent blobEvent) =>
        $"/blobServices/default/containers/{blobEvent.Container}/blobs/{blobEvent.BlobName}";

    private static void WriteData(Utf8JsonWriter json, BlobCreatedEvent blobEvent)
    {
        json.WriteStartObject("data");
        json.WriteString("api", blobEvent.Api ?? "PutBlob");
        if (blobEvent.ETag is not null)
        {
            json.WriteString("eTag", blobEvent.ETag);
        }

        if (blobEvent.ContentType is not null)
        {
            json.WriteString("contentType", blobEvent.ContentType);
        }

        if (blobEvent.ContentLength is { } length)
        {
            json.WriteNumber("contentLength", length);
        }

        json.WriteString("blobType", "BlockBlob");
        json.WriteString("url", blobEvent.BlobUri.OriginalString);
        json.WriteEndObject();
    }
}
