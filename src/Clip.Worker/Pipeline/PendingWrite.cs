using Clip.Ingestion.Messages;
using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>An outcome to commit for one job of <paramref name="Owner"/>, and how that job ends once it is committed.</summary>
internal sealed record PendingWrite(WorkItem Owner, ImageOutcome Outcome, MessageDisposition OnCommit);
