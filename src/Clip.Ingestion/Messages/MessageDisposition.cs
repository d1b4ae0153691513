namespace Clip.Ingestion.Messages;

/// <summary>How a source settles a message once the pipeline is done with it.</summary>
public abstract record MessageDisposition
{
    /// <summary>Every image the message named has a committed outcome (a result, or a recorded failure that retrying cannot fix).</summary>
    public static MessageDisposition Complete { get; } = new Completed();

    /// <summary>Give the message back for redelivery: something transient (network, database) failed after retries.</summary>
    public static MessageDisposition Abandon(string reason) => new Abandoned(reason);

    /// <summary>Poison: retrying cannot succeed. The failure is recorded; the message goes to the dead-letter queue.</summary>
    public static MessageDisposition DeadLetter(string reason, string description) => new DeadLettered(reason, description);

    /// <summary>Which disposition wins when a message's images disagree: abandon, then dead-letter, then complete.</summary>
    internal int Severity => this switch
    {
        Abandoned => 2,
        DeadLettered => 1,
        _ => 0,
    };

    /// <summary>The more severe of two dispositions; the first on a tie.</summary>
    public static MessageDisposition Worse(MessageDisposition first, MessageDisposition second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return second.Severity > first.Severity ? second : first;
    }

    public sealed record Completed : MessageDisposition;

    public sealed record Abandoned(string Reason) : MessageDisposition;

    /// <param name="Reason">A short code (<c>not_an_image</c>, <c>malformed_event:not_json</c>), the dead-letter reason.</param>
    /// <param name="Description">What was wrong, for whoever reads the dead-letter queue.</param>
    public sealed record DeadLettered(string Reason, string Description) : MessageDisposition;
}
