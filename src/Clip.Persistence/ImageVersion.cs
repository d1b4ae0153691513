namespace Clip.Persistence;

/// <summary>One content of an image: its source and the version it was read at (a blob's ETag, a file's <c>sha256:</c>).</summary>
public readonly record struct ImageVersion(string SourceUri, string EtagOrHash);
