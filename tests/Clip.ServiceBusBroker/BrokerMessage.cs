namespace Clip.ServiceBusBroker;

/// <summary>A snapshot of a message held by the broker, for assertions in tests.</summary>
public sealed class BrokerMessage
{
    public required long SequenceNumber { get; init; }

    public required string? MessageId { get; init; }

    /// <summary>The message's data sections, concatenated.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    public required IReadOnlyDictionary<string, object?> ApplicationProperties { get; init; }

    /// <summary>How many times the message has been handed to a receiver, as the client's <c>DeliveryCount</c> reports it.</summary>
    public required int DeliveryCount { get; init; }

    public required DateTimeOffset EnqueuedTime { get; init; }

    public string? DeadLetterReason { get; init; }

    public string? DeadLetterErrorDescription { get; init; }
}
