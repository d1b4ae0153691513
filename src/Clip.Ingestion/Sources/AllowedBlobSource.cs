namespace Clip.Ingestion.Sources;

/// <summary>A blob URL that passed <see cref="BlobSourcePolicy"/>: fetch <see cref="BlobUri"/>, nothing else.</summary>
/// <remarks><c>AllowedEntry</c> is the configured allowed-containers entry that matched.</remarks>
public sealed record AllowedBlobSource(Uri BlobUri, string AllowedEntry, string Container, string BlobName);
