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

/// <summary>
/// Stable, snake_case reason codes for <see cref="RefusedSourceException"/>. A URL that breaks several rules is
/// refused for the most important, in this order: <c>url_too_long</c>; <c>not_absolute</c>; <c>scheme_not_https</c>
/// for a scheme that is not http(s) at all (<c>file:</c>, <c>ftp:</c>); <c>userinfo_not_allowed</c>;
/// <c>ip_host_not_allowed</c> or <c>host_not_allowed</c>; <c>scheme_not_https</c> for plain http to an allowed
/// https host; <c>port_not_allowed</c>; the path's form (<c>invalid_path</c>, <c>query_or_fragment</c>, a missing
/// path as <c>blob_name_empty</c>); <c>container_not_allowed</c>; <c>blob_name_empty</c>; <c>blob_name_too_long</c>;
/// <c>event_mismatch</c>; <c>too_large</c>. Who the worker would talk to outranks how, and how outranks what it reads.
/// </summary>
public static class RefusedSourceReason
{
    public const string UrlTooLong = "url_too_long";
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
    public const string BlobNameTooLong = "blob_name_too_long";
    public const string EventMismatch = "event_mismatch";
    public const string TooLarge = "too_large";
}
