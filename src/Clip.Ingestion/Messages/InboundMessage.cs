namespace Clip.Ingestion.Messages;

/// <summary>
/// One unit of work from a source, settled as a whole once every image it names is committed: a queue message
/// holding BlobCreated events, or one local file in the embedded folder mode.
/// </summary>
/// <param name="Id">The message id (or the file path), for logs and traces.</param>
/// <param name="DeliveryCount">How many times the source has handed this message out, this time included.</param>
/// <param name="EnqueuedAt">When the source accepted it, for queue-wait metrics; null when unknown.</param>
public abstract record InboundMessage(string Id, int DeliveryCount, DateTimeOffset? EnqueuedAt)
{
    /// <summary>
    /// True when the source will not hand the message out again if it is given back (Service Bus: its delivery count
    /// has reached the queue's max delivery count; folder: the file's last attempt). A transient failure then ends
    /// it in the dead-letter queue with the worker's own reason, rather than silently by the broker.
    /// </summary>
    public bool IsLastDelivery { get; init; }
}

/// <summary>A queue message whose body holds one BlobCreated event or an array of them (Event Grid or CloudEvents schema).</summary>
public sealed record EventMessage(string Id, int DeliveryCount, DateTimeOffset? EnqueuedAt, ReadOnlyMemory<byte> Body)
    : InboundMessage(Id, DeliveryCount, EnqueuedAt);

/// <summary>An image file in the watched folder of the embedded mode.</summary>
public sealed record LocalFileMessage(string Id, int DeliveryCount, DateTimeOffset? EnqueuedAt, FileInfo File)
    : InboundMessage(Id, DeliveryCount, EnqueuedAt);
