namespace Clip.Ingestion.Messages;

/// <summary>Where messages come from (a Service Bus queue, a local folder), as health checks see it.</summary>
public interface IMessageSource
{
    /// <summary>What is being read, for logs and health reports: the queue or folder, never credentials.</summary>
    string Description { get; }

    /// <summary>True while the source is handing messages to the pipeline.</summary>
    bool IsReceiving { get; }
}
