using Clip.Ingestion.Events;
using Clip.Ingestion.Sources;
using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>One image to label, from one message.</summary>
/// <param name="Owner">The message this image came from.</param>
/// <param name="SourceUri">What result rows record as the image's source: the blob URL, or the file's <c>file://</c> URI.</param>
internal abstract record ImageJob(WorkItem Owner, string SourceUri);

/// <summary>A blob an allow-listed BlobCreated event named.</summary>
internal sealed record BlobImageJob(WorkItem Owner, AllowedBlobSource Source, BlobCreatedEvent Event)
    : ImageJob(Owner, Source.BlobUri.AbsoluteUri);

/// <summary>A file in the watched folder.</summary>
internal sealed record FileImageJob(WorkItem Owner, FileInfo File)
    : ImageJob(Owner, LocalImageKey.SourceUri(File.FullName));
