using Microsoft.Azure.Amqp.Encoding;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>Message annotations through which Service Bus tells the client the broker's view of a message.</summary>
internal static class ServiceBusAnnotations
{
    public static readonly AmqpSymbol SequenceNumber = "x-opt-sequence-number";
    public static readonly AmqpSymbol EnqueuedTime = "x-opt-enqueued-time";
    public static readonly AmqpSymbol LockedUntil = "x-opt-locked-until";

    public static bool IsBrokerOwned(MapKey key) =>
        key.Key is AmqpSymbol symbol && (symbol.Equals(SequenceNumber) || symbol.Equals(EnqueuedTime) || symbol.Equals(LockedUntil));
}
