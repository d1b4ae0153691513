using Clip.Ingestion.Sources;

namespace Clip.Ingestion.Blobs;

/// <summary>The storage account endpoint of an allowed-containers entry: the entry without its container.</summary>
internal static class AccountEndpoint
{
    /// <summary>
    /// <c>https://acct.blob.core.windows.net/images</c> gives <c>https://acct.blob.core.windows.net/</c>;
    /// Azurite's <c>http://127.0.0.1:10000/devstoreaccount1/images</c> gives <c>http://127.0.0.1:10000/devstoreaccount1</c>.
    /// Taken from the configured entry, never from the event's URL.
    /// </summary>
    public static Uri Of(AllowedBlobSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!Uri.TryCreate(source.AllowedEntry, UriKind.Absolute, out var entry)
            || entry.Scheme is not ("https" or "http")
            || entry.Query.Length > 0 || entry.Fragment.Length > 0 || entry.UserInfo.Length > 0)
        {
            throw new ArgumentException("The source's allowed entry is not an http(s) container URL.", nameof(source));
        }

        var segments = entry.AbsolutePath.Trim('/').Split('/');
        if (!string.Equals(segments[^1], source.Container, StringComparison.Ordinal))
        {
            throw new ArgumentException("The source's container is not the one its allowed entry names.", nameof(source));
        }

        return new Uri(entry.GetLeftPart(UriPartial.Authority) + "/" + string.Join('/', segments[..^1]));
    }

    public static bool Same(Uri left, Uri right) =>
        string.Equals(left.Scheme, right.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(left.Host, right.Host, StringComparison.OrdinalIgnoreCase)
        && left.Port == right.Port
        && string.Equals(left.AbsolutePath.TrimEnd('/'), right.AbsolutePath.TrimEnd('/'), StringComparison.Ordinal);

    /// <summary>Scheme, host, port and account path: what logs may show of an endpoint.</summary>
    public static string Display(Uri endpoint) => endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
}
