namespace Clip.Ingestion.Events;

/// <summary>A message body that is not a valid BlobCreated event batch; the message should be dead-lettered with <see cref="ReasonCode"/>.</summary>
public sealed class MalformedEventException : Exception
{
    public MalformedEventException()
        : this(MalformedEventReason.InvalidField, "The event message is malformed.")
    {
    }

    public MalformedEventException(string message)
        : this(MalformedEventReason.InvalidField, message)
    {
    }

    public MalformedEventException(string message, Exception innerException)
        : this(MalformedEventReason.InvalidField, message, innerException)
    {
    }

    public MalformedEventException(string reasonCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ReasonCode = reasonCode;
    }

    /// <summary>One of the <see cref="MalformedEventReason"/> codes.</summary>
    public string ReasonCode { get; }
}

/// <summary>Stable, snake_case reason codes for <see cref="MalformedEventException"/>; safe to use as dead-letter reasons.</summary>
public static class MalformedEventReason
{
    public const string BodyTooLarge = "body_too_large";
    public const string NotJson = "not_json";
    public const string NotObjectOrArray = "not_object_or_array";
    public const string EmptyBatch = "empty_batch";
    public const string TooManyEvents = "too_many_events";
    public const string MissingField = "missing_field";
    public const string InvalidField = "invalid_field";
    public const string UnsupportedSchema = "unsupported_schema";
    public const string SubjectMismatch = "subject_mismatch";
}
