namespace Clip.Ingestion.Sources;

/// <summary>A blob URL ingestion must not fetch; the message should be dead-lettered with <see cref="ReasonCode"/>.</summary>
public sealed class RefusedSourceException : Exception
{
    public RefusedSourceException()
        : this(RefusedSourceReason.InvalidPath, "The blob source was refused.")
    {
    }

    public RefusedSourceException(string message)
        : this(RefusedSourceReason.InvalidPath, message)
    {
    }

    public RefusedSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
        ReasonCode = RefusedSourceReason.InvalidPath;
    }

    public RefusedSourceException(string reasonCode, string message)
        : base(message)
    {
        ReasonCode = reasonCode;
    }

    /// <summary>One of the <see cref="RefusedSourceReason"/> codes.</summary>
    public string ReasonCode { get; }
}

/// <summary>Stable, snake_case reason codes for <see cref="RefusedSourceException"/>.</summary>
public static class RefusedSourceReason
{
    public const string NotAbsolute = "not_absolute";
    public const string SchemeNotHttps = "scheme_not_https";
    public const string UserInfo = "userinfo_not_allowed";
    public const string IpHost = "ip_host_not_allowed";
    public const string HostNotAllowed = "host_not_allowed";
    public const string PortNotAllowed = "port_not_allowed";
    public const string ContainerNotAllowed = "container_not_allowed";
    public const string InvalidPath = "invalid_path";
    public const string QueryOrFragment = "query_or_fragment";
    public const string BlobNameEmpty = "blob_name_empty";
    public const string EventMismatch = "event_mismatch";
    public const string TooLarge = "too_large";
}
