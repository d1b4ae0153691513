using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>
/// What a sender put in one message, copied out of the transfer's buffers (which the link reuses) so the broker can
/// build a fresh AMQP message for every delivery.
/// </summary>
internal sealed class MessageContent
{
    private const string DeadLetterReasonProperty = "DeadLetterReason";
    private const string DeadLetterErrorDescriptionProperty = "DeadLetterErrorDescription";

    private readonly IReadOnlyList<KeyValuePair<MapKey, object?>> _messageAnnotations;
    private readonly Properties? _properties;
    private readonly bool? _durable;
    private readonly byte? _priority;
    private readonly uint? _ttl;
    private readonly IReadOnlyList<byte[]>? _dataBody;
    private readonly object? _valueBody;

    private MessageContent(
        IReadOnlyDictionary<string, object?> applicationProperties,
        IReadOnlyList<KeyValuePair<MapKey, object?>> messageAnnotations,
        Properties? properties,
        (bool? Durable, byte? Priority, uint? Ttl) header,
        IReadOnlyList<byte[]>? dataBody,
        object? valueBody)
    {
        ApplicationProperties = applicationProperties;
        _messageAnnotations = messageAnnotations;
        _properties = properties;
        (_durable, _priority, _ttl) = header;
        _dataBody = dataBody;
        _valueBody = valueBody;
    }

    public IReadOnlyDictionary<string, object?> ApplicationProperties { get; }

    public string? MessageId => _properties?.MessageId?.ToString();

    public ReadOnlyMemory<byte> Body => _dataBody switch
    {
        null => ReadOnlyMemory<byte>.Empty,
        [var single] => single,
        var sections => sections.SelectMany(section => section).ToArray(),
    };

    public string? DeadLetterReason => ApplicationProperties.GetValueOrDefault(DeadLetterReasonProperty) as string;

    public string? DeadLetterErrorDescription => ApplicationProperties.GetValueOrDefault(DeadLetterErrorDescriptionProperty) as string;

    /// <summary>Reads the messages of one transfer: a single message, or the messages of a batch.</summary>
    public static IReadOnlyList<MessageContent> ReadTransfer(AmqpMessage message)
    {
        if (message.MessageFormat != AmqpConstants.AmqpBatchedMessageFormat)
        {
            return [Read(message)];
        }

        // A batch carries each encoded message in its own data section.
        var contents = new List<MessageContent>();
        foreach (var section in message.DataBody)
        {
            var encoded = CopyBinary((ArraySegment<byte>)section.Value);
            using var stream = new BufferListStream([new ArraySegment<byte>(encoded)]);
            using var inner = AmqpMessage.CreateAmqpStreamMessage(stream, true);
            contents.Add(Read(inner));
        }

        return contents;
    }

    /// <summary>The same content with the dead-letter reason and description the client reads from application properties.</summary>
    public MessageContent WithDeadLetterReason(string? reason, string? description)
    {
        var applicationProperties = new Dictionary<string, object?>(ApplicationProperties, StringComparer.Ordinal);
        if (reason is not null)
        {
            applicationProperties[DeadLetterReasonProperty] = reason;
        }

        if (description is not null)
        {
            applicationProperties[DeadLetterErrorDescriptionProperty] = description;
        }

        return new MessageContent(applicationProperties, _messageAnnotations, _properties, (_durable, _priority, _ttl), _dataBody, _valueBody);
    }

    /// <summary>Builds the AMQP message for one delivery; Service Bus annotations describe the broker's state.</summary>
    public AmqpMessage ToAmqpMessage(long sequenceNumber, DateTimeOffset enqueuedTime, DateTimeOffset lockedUntil, int previousDeliveries)
    {
        var message = _dataBody is not null
            ? AmqpMessage.Create(_dataBody.Select(section => new Data { Value = new ArraySegment<byte>(section) }))
            : AmqpMessage.Create(new AmqpValue { Value = _valueBody });

        message.Header.Durable = _durable;
        message.Header.Priority = _priority;
        message.Header.Ttl = _ttl;
        // The client reports this plus one as the message's DeliveryCount.
        message.Header.DeliveryCount = (uint)previousDeliveries;

        if (_properties is not null)
        {
            CopyProperties(_properties, message.Properties);
        }

        message.ApplicationProperties = new ApplicationProperties();
        foreach (var (name, value) in ApplicationProperties)
        {
            message.ApplicationProperties.Map[name] = value;
        }

        message.MessageAnnotations = new MessageAnnotations();
        foreach (var (key, value) in _messageAnnotations)
        {
            message.MessageAnnotations.Map[key] = value;
        }

        message.MessageAnnotations.Map[ServiceBusAnnotations.SequenceNumber] = sequenceNumber;
        message.MessageAnnotations.Map[ServiceBusAnnotations.EnqueuedTime] = enqueuedTime.UtcDateTime;
        message.MessageAnnotations.Map[ServiceBusAnnotations.LockedUntil] = lockedUntil.UtcDateTime;
        return message;
    }

    private static MessageContent Read(AmqpMessage message)
    {
        var applicationProperties = new Dictionary<string, object?>(StringComparer.Ordinal);
        if ((message.Sections & SectionFlag.ApplicationProperties) != 0)
        {
            foreach (var (key, value) in message.ApplicationProperties.Map)
            {
                applicationProperties[key.Key.ToString()!] = CopyValue(value);
            }
        }

        var annotations = new List<KeyValuePair<MapKey, object?>>();
        if ((message.Sections & SectionFlag.MessageAnnotations) != 0)
        {
            foreach (var (key, value) in message.MessageAnnotations.Map)
            {
                if (!ServiceBusAnnotations.IsBrokerOwned(key))
                {
                    annotations.Add(new KeyValuePair<MapKey, object?>(key, CopyValue(value)));
                }
            }
        }

        Properties? properties = null;
        if ((message.Sections & SectionFlag.Properties) != 0)
        {
            properties = new Properties();
            CopyProperties(message.Properties, properties);
        }

        var header = (message.Sections & SectionFlag.Header) != 0
            ? (message.Header.Durable, message.Header.Priority, message.Header.Ttl)
            : default;
        IReadOnlyList<byte[]>? dataBody = null;
        object? valueBody = null;
        if ((message.BodyType & SectionFlag.Data) != 0)
        {
            dataBody = message.DataBody.Select(section => CopyBinary((ArraySegment<byte>)section.Value)).ToList();
        }
        else if ((message.BodyType & SectionFlag.AmqpValue) != 0)
        {
            valueBody = CopyValue(message.ValueBody.Value);
        }
        else if ((message.BodyType & SectionFlag.AmqpSequence) != 0)
        {
            throw new AmqpException(AmqpErrorCode.NotImplemented, "The loopback broker does not store amqp-sequence bodies.");
        }

        return new MessageContent(applicationProperties, annotations, properties, header, dataBody, valueBody);
    }

    private static void CopyProperties(Properties source, Properties target)
    {
        target.MessageId = source.MessageId;
        target.UserId = source.UserId.Array is null ? source.UserId : new ArraySegment<byte>(CopyBinary(source.UserId));
        target.To = source.To;
        target.Subject = source.Subject;
        target.ReplyTo = source.ReplyTo;
        target.CorrelationId = source.CorrelationId;
        target.ContentType = source.ContentType;
        target.ContentEncoding = source.ContentEncoding;
        target.AbsoluteExpiryTime = source.AbsoluteExpiryTime;
        target.CreationTime = source.CreationTime;
        target.GroupId = source.GroupId;
        target.GroupSequence = source.GroupSequence;
        target.ReplyToGroupId = source.ReplyToGroupId;
    }

    // Decoded binaries point into the transfer's pooled buffers.
    private static object? CopyValue(object? value) => value is ArraySegment<byte> binary ? new ArraySegment<byte>(CopyBinary(binary)) : value;

    private static byte[] CopyBinary(ArraySegment<byte> binary) => binary.AsSpan().ToArray();
}
