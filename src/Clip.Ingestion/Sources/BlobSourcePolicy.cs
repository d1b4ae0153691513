// A little over this solution's usual 250 lines: the allow-list's checks in their precedence order, one file to
// read top to bottom against the README's list.
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Clip.Ingestion.Events;

namespace Clip.Ingestion.Sources;

/// <summary>
/// Decides whether a <see cref="BlobCreatedEvent"/>'s URL points into a configured container, so a forged or
/// misrouted event cannot make the worker fetch from anywhere else. Checks the URL text as sent, not as
/// <see cref="Uri"/> normalizes it.
/// </summary>
public sealed class BlobSourcePolicy
{
    /// <summary>Azure Storage's limit on a blob name, in characters.</summary>
    public const int MaxBlobNameLength = 1024;

    /// <summary>
    /// The longest blob URL accepted: an account host, a container and a 1,024-character name fit with room to spare
    /// when the name is plain ASCII. Results are keyed by source URL, and PostgreSQL refuses a B-tree index entry over
    /// 2,704 bytes, so a longer URL could never be recorded; it is refused instead, as <c>url_too_long</c>. (A name of
    /// 1,024 non-ASCII characters, percent-encoded, does not fit either.)
    /// </summary>
    public const int MaxUrlLength = 2048;

    /// <summary>
    /// A URL as it may be recorded in a failure row: itself when it is within <see cref="MaxUrlLength"/>, otherwise its
    /// start, its length and the SHA-256 of the whole, which keep two long URLs apart without storing either.
    /// </summary>
    public static string Recordable(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.Length <= MaxUrlLength)
        {
            return url;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));
        return string.Create(CultureInfo.InvariantCulture, $"{url[..256]}... ({url.Length} characters, sha256:{hash})");
    }

    private readonly AllowedEntry[] _entries;
    private readonly long _maxBlobBytes;

    public BlobSourcePolicy(BlobSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBlobBytes, 1);
        _entries = [.. options.AllowedContainers.Select(entry => AllowedEntry.Parse(entry, options.AllowLoopbackForDevelopment))];
        _maxBlobBytes = options.MaxBlobBytes;
    }

    /// <summary>Returns the source to fetch.</summary>
    /// <remarks>
    /// A URL that breaks several rules is refused for the first in <see cref="RefusedSourceReason"/>'s order: its
    /// length, then whether it is a web URL at all, then who it would talk to (credentials, host), then how (scheme,
    /// port), then what it would read (path, container, blob name), and last whether the event agrees with it.
    /// </remarks>
    /// <exception cref="RefusedSourceException">The URL is outside every allowed container, or the blob is too large.</exception>
    public AllowedBlobSource Validate(BlobCreatedEvent blobEvent)
    {
        ArgumentNullException.ThrowIfNull(blobEvent);
        var uri = blobEvent.BlobUri;
        var raw = uri.OriginalString;
        if (raw.Length > MaxUrlLength)
        {
            throw Refuse(RefusedSourceReason.UrlTooLong, $"The blob URL is {raw.Length} characters long; at most {MaxUrlLength} are accepted.");
        }

        var authority = uri.IsAbsoluteUri ? BlobUrlText.Authority(raw) : null;
        if (authority is null)
        {
            throw Refuse(RefusedSourceReason.NotAbsolute, "The blob URL is not an absolute URL.");
        }

        if (uri.Scheme is not ("https" or "http"))
        {
            throw Refuse(RefusedSourceReason.SchemeNotHttps, $"The blob URL scheme '{uri.Scheme}' is not https.");
        }

        if (authority.Contains('@', StringComparison.Ordinal) || uri.UserInfo.Length > 0)
        {
            throw Refuse(RefusedSourceReason.UserInfo, "The blob URL carries user information.");
        }

        var rawHost = HostOf(authority);
        var sameHost = _entries
            .Where(e => string.Equals(e.Host, uri.Host, StringComparison.OrdinalIgnoreCase)
                && string.Equals(e.Host, rawHost, StringComparison.OrdinalIgnoreCase))
            .ToArray();
        if (sameHost.Length == 0)
        {
            throw uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6
                ? Refuse(RefusedSourceReason.IpHost, "The blob URL host is an IP address that is not an allowed endpoint.")
                : Refuse(RefusedSourceReason.HostNotAllowed, $"The blob URL host '{uri.Host}' is not an allowed storage account.");
        }

        var sameScheme = sameHost.Where(e => string.Equals(e.Scheme, uri.Scheme, StringComparison.Ordinal)).ToArray();
        if (sameScheme.Length == 0)
        {
            throw Refuse(RefusedSourceReason.SchemeNotHttps, $"The blob URL scheme '{uri.Scheme}' is not allowed for host '{uri.Host}'.");
        }

        var samePort = sameScheme.Where(e => e.Port == uri.Port).ToArray();
        if (samePort.Length == 0)
        {
            throw Refuse(RefusedSourceReason.PortNotAllowed, $"The blob URL port {uri.Port} is not allowed for host '{uri.Host}'.");
        }

        if (raw.Contains('\\', StringComparison.Ordinal))
        {
            throw Refuse(RefusedSourceReason.InvalidPath, "The blob URL contains a backslash.");
        }

        if (raw.Contains('?', StringComparison.Ordinal) || raw.Contains('#', StringComparison.Ordinal))
        {
            throw Refuse(RefusedSourceReason.QueryOrFragment, "The blob URL carries a query string or fragment.");
        }

        var segments = PathSegments(BlobUrlText.RawPath(raw) ?? string.Empty);
        foreach (var entry in samePort)
        {
            var offset = entry.Account is null ? 0 : 1;
            if (segments.Length <= offset
                || (entry.Account is not null && !string.Equals(segments[0], entry.Account, StringComparison.Ordinal))
                || !string.Equals(segments[offset], entry.Container, StringComparison.Ordinal))
            {
                continue;
            }

            var blobSegments = segments[(offset + 1)..];
            if (blobSegments.Length == 0 || (blobSegments.Length == 1 && blobSegments[0].Length == 0))
            {
                throw Refuse(RefusedSourceReason.BlobNameEmpty, "The blob URL names a container but no blob.");
            }

            if (blobSegments[^1].Length == 0)
            {
                throw Refuse(RefusedSourceReason.InvalidPath, "The blob URL ends with a slash.");
            }

            var blobName = string.Join('/', blobSegments.Select(Uri.UnescapeDataString));
            if (blobName.Length > MaxBlobNameLength)
            {
                throw Refuse(
                    RefusedSourceReason.BlobNameTooLong,
                    $"The blob name is {blobName.Length} characters long; Azure Storage allows at most {MaxBlobNameLength}.");
            }

            if (!string.Equals(blobEvent.Container, entry.Container, StringComparison.Ordinal)
                || !string.Equals(blobEvent.BlobName, blobName, StringComparison.Ordinal))
            {
                throw Refuse(RefusedSourceReason.EventMismatch, "The event's container and blob name do not match its URL.");
            }

            if (blobEvent.ContentLength > _maxBlobBytes)
            {
                throw Refuse(
                    RefusedSourceReason.TooLarge,
                    $"The blob is {blobEvent.ContentLength} bytes; at most {_maxBlobBytes} are accepted.");
            }

            return new AllowedBlobSource(uri, entry.Text, entry.Container, blobName);
        }

        throw Refuse(RefusedSourceReason.ContainerNotAllowed, $"The blob URL's container is not allowed for host '{uri.Host}'.");
    }

    private static string[] PathSegments(string rawPath)
    {
        if (rawPath.Length == 0 || rawPath[0] != '/')
        {
            throw Refuse(RefusedSourceReason.BlobNameEmpty, "The blob URL has no path.");
        }

        if (rawPath.Contains("//", StringComparison.Ordinal))
        {
            throw Refuse(RefusedSourceReason.InvalidPath, "The blob URL path contains an empty segment.");
        }

        var segments = rawPath[1..].Split('/');
        foreach (var segment in segments)
        {
            var decoded = Uri.UnescapeDataString(segment);
            if (decoded is "." or ".."
                || decoded.AsSpan().IndexOfAny('/', '\\', '%') >= 0
                || decoded.Any(char.IsControl))
            {
                // '%' left after one decoding means a double-encoded or invalid escape: refuse rather than guess.
                throw Refuse(RefusedSourceReason.InvalidPath, "The blob URL path contains a dot segment, an encoded separator or an invalid escape.");
            }
        }

        return segments;
    }

    private static string HostOf(string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            return close < 0 ? authority : authority[..(close + 1)];
        }

        var colon = authority.LastIndexOf(':');
        return colon < 0 ? authority : authority[..colon];
    }

    private static RefusedSourceException Refuse(string reasonCode, string message) => new(reasonCode, message);

    private sealed record AllowedEntry(string Text, string Scheme, string Host, int Port, string? Account, string Container)
    {
        public static AllowedEntry Parse(string text, bool allowLoopback)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)
                || uri.Scheme is not ("https" or "http")
                || uri.UserInfo.Length > 0
                || uri.Query.Length > 0
                || uri.Fragment.Length > 0)
            {
                throw Invalid(text, "expected https://<account host>/<container>");
            }

            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            {
                throw Invalid(text, "plain http is only allowed for a loopback development endpoint");
            }

            if (uri.IsLoopback && !allowLoopback)
            {
                throw Invalid(text, $"loopback endpoints need {nameof(BlobSourceOptions.AllowLoopbackForDevelopment)}");
            }

            if (!uri.IsLoopback && uri.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6)
            {
                throw Invalid(text, "an IP-address host is only allowed for a loopback development endpoint");
            }

            var segments = uri.AbsolutePath.Trim('/').Split('/');
            if (uri.IsLoopback)
            {
                // Azurite is path-style: /<account>/<container>.
                return segments.Length == 2 && segments.All(IsName)
                    ? new AllowedEntry(text, uri.Scheme, uri.Host, uri.Port, segments[0], segments[1])
                    : throw Invalid(text, "expected http://127.0.0.1:<port>/<account>/<container>");
            }

            return segments.Length == 1 && IsName(segments[0])
                ? new AllowedEntry(text, uri.Scheme, uri.Host, uri.Port, null, segments[0])
                : throw Invalid(text, "expected https://<account host>/<container>");
        }

        private static bool IsName(string segment) =>
            segment.Length > 0 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

        private static ArgumentException Invalid(string text, string problem) =>
            new($"{BlobSourceOptions.SectionName}:{nameof(BlobSourceOptions.AllowedContainers)} entry '{text}' is invalid: {problem}.");
    }
}
