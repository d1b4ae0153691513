using System.Globalization;
using System.Text.Json;

namespace Clip.Ingestion.Events;

/// <summary>
/// Parses a message body holding one event or an array of events, in the Event Grid schema or CloudEvents 1.0,
/// into <see cref="BlobCreatedEvent"/>s and <see cref="IgnoredEvent"/>s. Anything else throws <see cref="MalformedEventException"/>.
/// </summary>
public sealed class BlobCreatedEventParser
{
    public const string BlobCreatedEventType = "Microsoft.Storage.BlobCreated";

    private const string SubjectPrefix = "/blobServices/default/containers/";
    private const string SubjectBlobsMarker = "/blobs/";
    private const int MaxETagLength = 256;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    private readonly int _maxEvents;
    private readonly int _maxBodyBytes;

    public BlobCreatedEventParser()
        : this(new EventParserOptions())
    {
    }

    public BlobCreatedEventParser(EventParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEventsPerMessage, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBodyBytes, 1);
        _maxEvents = options.MaxEventsPerMessage;
        _maxBodyBytes = options.MaxBodyBytes;
    }

    /// <summary>Parses a UTF-8 JSON message body.</summary>
    /// <exception cref="MalformedEventException">The body is not a well-formed batch of events.</exception>
    public IReadOnlyList<ParsedEvent> Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length > _maxBodyBytes)
        {
            throw new MalformedEventException(
                MalformedEventReason.BodyTooLarge,
                $"The message body is {body.Length} bytes; at most {_maxBodyBytes} are accepted.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new MalformedEventException(MalformedEventReason.NotJson, "The message body is not valid UTF-8 JSON.", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            switch (root.ValueKind)
            {
                case JsonValueKind.Object:
                    return [ParseEvent(root, 0)];
                case JsonValueKind.Array:
                    var count = root.GetArrayLength();
                    if (count == 0)
                    {
                        throw new MalformedEventException(MalformedEventReason.EmptyBatch, "The message body is an empty array of events.");
                    }

                    if (count > _maxEvents)
                    {
                        throw new MalformedEventException(
                            MalformedEventReason.TooManyEvents,
                            $"The message holds {count} events; at most {_maxEvents} are accepted.");
                    }

                    var events = new List<ParsedEvent>(count);
                    var index = 0;
                    foreach (var element in root.EnumerateArray())
                    {
                        events.Add(ParseEvent(element, index++));
                    }

                    return events;
                default:
                    throw new MalformedEventException(
                        MalformedEventReason.NotObjectOrArray,
                        $"The message body is a JSON {root.ValueKind.ToString().ToLowerInvariant()}; expected an event object or an array of them.");
            }
        }
    }

    private static ParsedEvent ParseEvent(JsonElement element, int index)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new MalformedEventException(MalformedEventReason.InvalidField, $"Event {index} is not a JSON object.");
        }

        var isCloudEvent = element.TryGetProperty("specversion", out var specVersion);
        if (isCloudEvent && (specVersion.ValueKind != JsonValueKind.String || specVersion.GetString() != "1.0"))
        {
            throw new MalformedEventException(MalformedEventReason.UnsupportedSchema, $"Event {index} has a CloudEvents specversion other than \"1.0\".");
        }

        var id = EventFields.RequiredString(element, "id", index);
        var eventType = EventFields.RequiredString(element, isCloudEvent ? "type" : "eventType", index);

        if (isCloudEvent)
        {
            EventFields.RequiredString(element, "source", index);
        }
        else
        {
            var eventTime = EventFields.RequiredString(element, "eventTime", index);
            if (!DateTimeOffset.TryParse(eventTime, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
            {
                throw EventFields.Invalid(index, "eventTime", "is not an ISO 8601 timestamp");
            }
        }

        if (!string.Equals(eventType, BlobCreatedEventType, StringComparison.Ordinal))
        {
            return new IgnoredEvent(id, eventType, $"Event type '{eventType}' is not {BlobCreatedEventType}.");
        }

        var subject = EventFields.RequiredString(element, "subject", index);
        var (container, blobName) = ParseSubject(subject, index);

        if (!element.TryGetProperty("data", out var data) || data.ValueKind == JsonValueKind.Null)
        {
            throw new MalformedEventException(MalformedEventReason.MissingField, $"Event {index} has no 'data'.");
        }

        if (data.ValueKind != JsonValueKind.Object)
        {
            throw EventFields.Invalid(index, "data", "is not a JSON object");
        }

        var url = EventFields.RequiredString(data, "url", index, "data.url");
        // A bare path such as "/c/b" parses as a file: URI on Unix, so the scheme is checked on the text too.
        if (!Uri.TryCreate(url, UriKind.Absolute, out var blobUri)
            || !(url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)))
        {
            throw EventFields.Invalid(index, "data.url", "is not an absolute http(s) URL");
        }

        if (!UrlPathMatches(url, container, blobName))
        {
            throw new MalformedEventException(
                MalformedEventReason.SubjectMismatch,
                $"Event {index}: the subject names container '{container}' and blob '{blobName}', but data.url points elsewhere.");
        }

        var etag = EventFields.OptionalString(data, "eTag", index);
        if (etag is { Length: > MaxETagLength })
        {
            // Azure's are about 20 characters; an unbounded one could not be recorded next to a failure.
            throw EventFields.Invalid(index, "data.eTag", $"is longer than {MaxETagLength} characters");
        }

        return new BlobCreatedEvent(
            id,
            blobUri,
            container,
            blobName,
            etag,
            EventFields.OptionalLength(data, index),
            EventFields.OptionalString(data, "contentType", index),
            EventFields.OptionalString(data, "api", index));
    }

    private static (string Container, string BlobName) ParseSubject(string subject, int index)
    {
        if (!subject.StartsWith(SubjectPrefix, StringComparison.Ordinal))
        {
            throw EventFields.Invalid(index, "subject", $"does not start with '{SubjectPrefix}'");
        }

        var rest = subject.AsSpan(SubjectPrefix.Length);
        var marker = rest.IndexOf(SubjectBlobsMarker, StringComparison.Ordinal);
        if (marker <= 0)
        {
            throw EventFields.Invalid(index, "subject", "does not name a container and a blob");
        }

        var container = rest[..marker].ToString();
        var blobName = rest[(marker + SubjectBlobsMarker.Length)..].ToString();
        if (container.Contains('/', StringComparison.Ordinal) || blobName.Length == 0)
        {
            throw EventFields.Invalid(index, "subject", "does not name a container and a blob");
        }

        return (container, blobName);
    }

    // Compared on the URL text as sent: System.Uri would resolve dot segments and hide a mismatch.
    private static bool UrlPathMatches(string url, string container, string blobName)
    {
        var path = BlobUrlText.RawPath(url);
        if (path is null)
        {
            return false;
        }

        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(path);
        }
        catch (UriFormatException)
        {
            return false;
        }

        var expectedTail = "/" + container + "/" + blobName;
        if (!decoded.EndsWith(expectedTail, StringComparison.Ordinal))
        {
            return false;
        }

        // Either https://account.host/container/blob or path-style https://host/account/container/blob (Azurite).
        var prefix = decoded.AsSpan(0, decoded.Length - expectedTail.Length);
        return prefix.Length == 0 || (prefix[0] == '/' && prefix.Length > 1 && prefix[1..].IndexOf('/') < 0);
    }
}
