using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>
/// The broker's end of a client receiver: delivers queue messages with the lock token as delivery tag and turns the
/// client's dispositions into settlements (accepted = complete, modified = abandon,
/// released = unlock without counting the delivery, rejected = dead-letter).
/// </summary>
internal sealed class QueueConsumerLink : IQueueConsumer
{
    private const string DeadLetterCondition = "com.microsoft:dead-letter";
    private const string LockLostCondition = "com.microsoft:message-lock-lost";
    private static readonly MapKey DeadLetterReasonKey = new(new AmqpSymbol("DeadLetterReason"));
    private static readonly MapKey DeadLetterDescriptionKey = new(new AmqpSymbol("DeadLetterErrorDescription"));

    private readonly SendingAmqpLink _link;
    private readonly BrokerQueue _queue;

    private QueueConsumerLink(SendingAmqpLink link, BrokerQueue queue)
    {
        _link = link;
        _queue = queue;
    }

    public bool HasCredit => _link.State == AmqpObjectState.Opened && _link.LinkCredit > 0;

    public bool SettlesOnSend => _link.Settings.SettleType == SettleMode.SettleOnSend;

    public static void Attach(SendingAmqpLink link, BrokerQueue queue)
    {
        var consumer = new QueueConsumerLink(link, queue);
        link.RegisterCreditListener((_, _, _) => queue.RequestDispatch());
        link.RegisterDispositionListener(consumer.OnDisposition);
        link.Opened += (_, _) => queue.AddConsumer(consumer);
        link.SafeAddClosed((_, _) => queue.RemoveConsumer(consumer));
    }

    public bool TryDeliver(StoredMessage message, Guid lockToken, DateTimeOffset lockedUntil, int previousDeliveries)
    {
        var amqpMessage = message.Content.ToAmqpMessage(message.SequenceNumber, message.EnqueuedTime, lockedUntil, previousDeliveries);
        amqpMessage.DeliveryTag = new ArraySegment<byte>(lockToken.ToByteArray());
        amqpMessage.PrepareForSend();
        try
        {
            // Unlike SendMessageNoWait, this never parks the message inside the link waiting for credit with its lock ticking.
            if (_link.State == AmqpObjectState.Opened && _link.TrySendDelivery(amqpMessage))
            {
                return true;
            }
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
        {
            // The link closed under the send.
        }

        amqpMessage.Dispose();
        return false;
    }

    private void OnDisposition(Delivery delivery)
    {
        var lockToken = new Guid(delivery.DeliveryTag.AsSpan());
        DeliveryState outcome;
        try
        {
            var settled = delivery.State switch
            {
                Accepted => _queue.Complete(lockToken),
                Rejected rejected => _queue.DeadLetter(lockToken, InfoText(rejected.Error, DeadLetterReasonKey), InfoText(rejected.Error, DeadLetterDescriptionKey)),
                Modified { UndeliverableHere: true } => throw new AmqpException(AmqpErrorCode.NotImplemented, "The loopback broker does not support deferral."),
                Modified => _queue.Abandon(lockToken),
                Released => _queue.Release(lockToken),
                _ => throw new AmqpException(AmqpErrorCode.NotAllowed, $"Unexpected delivery state {delivery.State}."),
            };
            outcome = settled
                ? AmqpConstants.AcceptedOutcome
                : new Rejected { Error = new Error { Condition = LockLostCondition, Description = $"The lock {lockToken} is not held." } };
        }
        catch (Exception exception) when (exception is AmqpException or InvalidOperationException)
        {
            outcome = new Rejected { Error = Error.FromException(exception) };
        }

        _link.DisposeDelivery(delivery, true, outcome);
    }

    private static string? InfoText(Error? error, MapKey key) =>
        error is not null && error.Condition.Equals((AmqpSymbol)DeadLetterCondition) && error.Info is { } info && info.TryGetValue(key, out string? text)
            ? text
            : null;
}
