namespace Clip.ServiceBusBroker;

/// <summary>Settings of a <see cref="LoopbackServiceBusBroker"/>; the defaults match a Service Bus queue's.</summary>
public sealed class BrokerOptions
{
    /// <summary>The loopback port to listen on; null picks a free one.</summary>
    public int? Port { get; init; }

    /// <summary>Lock duration of queues created without one.</summary>
    public TimeSpan DefaultLockDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often expired locks are looked for; a lock lives at most this much longer than its duration.</summary>
    public TimeSpan LockExpiryScanInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The max-message-size the broker announces to senders; the client sizes its batches from it.</summary>
    public ulong MaxMessageSizeInBytes { get; init; } = 1024 * 1024;

    /// <summary>The clock for enqueue times and lock expiry.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
