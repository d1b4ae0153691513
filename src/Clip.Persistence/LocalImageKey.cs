using System.Security.Cryptography;

namespace Clip.Persistence;

/// <summary>
/// How a local image file is keyed in the results: its absolute <c>file://</c> URI as the source, and
/// <c>sha256:&lt;hex&gt;</c> of its bytes as the version (where a blob has its ETag). <c>clip label</c>, the worker's
/// folder mode and <c>clip feedback</c> all key files this way, so they find each other's rows.
/// </summary>
public static class LocalImageKey
{
    public const string HashPrefix = "sha256:";

    /// <summary>The source URI of the file at <paramref name="path"/> (made absolute first).</summary>
    public static string SourceUri(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    public static string ContentHash(ReadOnlySpan<byte> content) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(content));

    public static string ContentHash(Stream content) => HashPrefix + Convert.ToHexStringLower(SHA256.HashData(content));
}
