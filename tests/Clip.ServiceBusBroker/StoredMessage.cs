using Clip.ServiceBusBroker.Amqp;

namespace Clip.ServiceBusBroker;

/// <summary>A message in a queue. <see cref="DeliveryCount"/> changes only under the owning queue's lock.</summary>
internal sealed class StoredMessage(MessageContent content, long sequenceNumber, DateTimeOffset enqueuedTime)
{
    public MessageContent Content { get; } = content;

    public long SequenceNumber { get; } = sequenceNumber;

    public DateTimeOffset EnqueuedTime { get; } = enqueuedTime;

    public int DeliveryCount { get; set; }

    public BrokerMessage ToSnapshot() => new()
    {
        SequenceNumber = SequenceNumber,
        MessageId = Content.MessageId,
        Body = Content.Body,
        ApplicationProperties = Content.ApplicationProperties,
        DeliveryCount = DeliveryCount,
        EnqueuedTime = EnqueuedTime,
        DeadLetterReason = Content.DeadLetterReason,
        DeadLetterErrorDescription = Content.DeadLetterErrorDescription,
    };
}
