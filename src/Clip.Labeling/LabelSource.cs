using Clip.Inference.Imaging;

namespace Clip.Labeling;

/// <summary>What a result row says about the image itself: where it came from, which version, how big.</summary>
/// <param name="SourceUri">The blob URL, or the local file's <c>file://</c> URI.</param>
/// <param name="EtagOrHash">The blob's ETag, or <c>sha256:</c> of a local file's bytes.</param>
/// <param name="SizeBytes">Encoded bytes.</param>
/// <param name="Size">The upright image's size.</param>
public sealed record LabelSource(string SourceUri, string EtagOrHash, long SizeBytes, ImageSize Size);
