namespace Clip.ServiceBusBroker;

/// <summary>A receiver attached to a queue: the queue hands it messages while it has credit.</summary>
internal interface IQueueConsumer
{
    bool HasCredit { get; }

    /// <summary>True for receive-and-delete receivers: a delivered message is gone, never locked.</summary>
    bool SettlesOnSend { get; }

    /// <returns>False when the receiver had no credit left or has gone; the message was not delivered.</returns>
    bool TryDeliver(StoredMessage message, Guid lockToken, DateTimeOffset lockedUntil, int previousDeliveries);
}
