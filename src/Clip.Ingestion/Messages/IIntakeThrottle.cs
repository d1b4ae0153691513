namespace Clip.Ingestion.Messages;

/// <summary>
/// Tells a source to take in one message at a time, because something every message needs (storage, the database)
/// is known to be down. Each message handed out while it is down would only wait, and on Service Bus every receive
/// spends one of the message's delivery attempts; the one message still let through finds out when it is back.
/// </summary>
public interface IIntakeThrottle
{
    /// <summary>True while sources should hold intake to a single message in flight.</summary>
    bool IsThrottled { get; }
}
