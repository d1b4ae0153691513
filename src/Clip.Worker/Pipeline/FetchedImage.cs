namespace Clip.Worker.Pipeline;

/// <summary>The encoded bytes of one image and the version they are: a blob's ETag or a file's content hash.</summary>
internal sealed record FetchedImage(byte[] Bytes, string EtagOrHash);
