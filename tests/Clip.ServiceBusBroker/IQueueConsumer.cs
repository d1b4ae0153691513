namespace Clip.ServiceBusBroker;

/// <summary>A receiver attached to a queue: the queue hands it messages while it has credit.</summary>
internal interface IQueueConsumer
{
    bool HasCredit { get; }

    /// <summary>True for receive-and-delete receivers: a delivered message is gone, never locked.</summary>
    bool SettlesOnSend { get; }

    void Deliver(StoredMessage message, Guid lockToken, DateTimeOffset lockedUntil, int previousDeliveries);
}
