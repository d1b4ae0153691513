namespace Clip.Ingestion.Messages;

/// <summary>Processes one inbound message to the point where it may be settled. Implemented by the labeling pipeline.</summary>
public interface IMessageHandler
{
    /// <summary>
    /// Returns once every image of <paramref name="message"/> is committed or given up on. Cancellation (shutdown, a
    /// lost lock) stops waiting; the source then abandons or leaves the message, and idempotent writes absorb any result
    /// committed after that.
    /// </summary>
    Task<MessageDisposition> HandleAsync(InboundMessage message, CancellationToken cancellationToken);
}
