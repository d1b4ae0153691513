using System.Threading.Channels;
using Clip.Ingestion.Messages;
using Clip.Labeling;
using Clip.Persistence;
using Clip.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Ends image jobs the way <see cref="DispositionPolicy"/> says: an outcome to commit (result or failure row) goes
/// to the write stage with the disposition its message gets once it is committed; a job held up by a transient
/// failure is given back, or dead-lettered as exhausted on its message's last delivery.
/// </summary>
internal sealed class JobSettler(ChannelWriter<PendingWrite> writes, WorkerTelemetry telemetry, ILogger logger)
{
    /// <summary>The reason recorded when the database failed the duplicate check or the results write.</summary>
    public const string DatabaseUnavailable = "database_unavailable";

    /// <summary>Queues a labelled image's result; its job ends when the result commits.</summary>
    public ValueTask LabelledAsync(WorkItem owner, LabelledImage image, CancellationToken ct) =>
        writes.WriteAsync(new PendingWrite(owner, image, MessageDisposition.Complete), ct);

    /// <summary>Ends a job whose image already has a result for the current model, taxonomy and head.</summary>
    public void AlreadyLabelled(WorkItem owner)
    {
        telemetry.ImageFinished("skipped");
        owner.Finish(MessageDisposition.Complete);
    }

    /// <summary>Ends a job (already added to <paramref name="owner"/>) as its case's rule says.</summary>
    public async Task FailAsync(
        DispositionCase @case, WorkItem owner, string sourceUri, string? etagOrHash, string reason, string detail, CancellationToken ct)
    {
        switch (DispositionPolicy.For(@case).Settlement)
        {
            case Settlement.Complete:
                await RecordAsync(@case, owner, sourceUri, etagOrHash, reason, detail, MessageDisposition.Complete, ct);
                return;
            case Settlement.DeadLetter:
                await RecordAsync(@case, owner, sourceUri, etagOrHash, reason, detail, MessageDisposition.DeadLetter(reason, detail), ct);
                return;
            case Settlement.Retry or Settlement.GiveBack when !owner.Message.IsLastDelivery:
                GiveBack(owner, reason, detail);
                return;
            case Settlement.Retry or Settlement.GiveBack:
                var exhausted = DispositionPolicy.Exhausted(reason);
                Log.LastDeliveryFailed(logger, owner.Message.Id, exhausted, detail);
                await RecordAsync(@case, owner, sourceUri, etagOrHash, exhausted, detail, MessageDisposition.DeadLetter(exhausted, detail), ct);
                return;
            default:
                throw new ArgumentOutOfRangeException(nameof(@case), @case, "not a case an image job can end in");
        }
    }

    /// <summary>Ends a job whose outcome could not be committed; on the last delivery there is no row to write it to either.</summary>
    public void Unwritten(WorkItem owner, string detail)
    {
        if (!owner.Message.IsLastDelivery)
        {
            GiveBack(owner, DatabaseUnavailable, detail);
            return;
        }

        var exhausted = DispositionPolicy.Exhausted(DatabaseUnavailable);
        Log.LastDeliveryFailed(logger, owner.Message.Id, exhausted, detail);
        telemetry.ImageFinished("failed");
        telemetry.ImageFailed(nameof(FailureStage.Write).ToLowerInvariant(), exhausted);
        owner.Finish(MessageDisposition.DeadLetter(exhausted, detail));
    }

    /// <summary>How a message the resolve stage failed on ends: given back, or dead-lettered on its last delivery; no row.</summary>
    public MessageDisposition ResolverFailed(WorkItem owner, Exception error)
    {
        const string reason = "resolve_failed";
        Log.ResolveFailed(logger, error, owner.Message.Id);
        return owner.Message.IsLastDelivery
            ? MessageDisposition.DeadLetter(DispositionPolicy.Exhausted(reason), error.Message)
            : MessageDisposition.Abandon(reason);
    }

    /// <summary>Ends the job of a committed outcome.</summary>
    public void Committed(PendingWrite write)
    {
        switch (write.Outcome)
        {
            case LabelledImage labelled:
                telemetry.ImageFinished(labelled.Abstained ? "abstained" : "labelled");
                break;
            case FailedImage failed:
                telemetry.ImageFinished("failed");
                telemetry.ImageFailed(failed.Stage.ToString().ToLowerInvariant(), failed.Reason);
                break;
        }

        write.Owner.Finish(write.OnCommit);
    }

    private async Task RecordAsync(
        DispositionCase @case, WorkItem owner, string sourceUri, string? etagOrHash, string reason, string detail, MessageDisposition onCommit, CancellationToken ct)
    {
        Log.ImageFailed(logger, owner.Message.Id, sourceUri, reason, detail);
        await writes.WriteAsync(new PendingWrite(owner, DispositionPolicy.FailureRow(@case, sourceUri, etagOrHash, reason, detail), onCommit), ct);
    }

    private void GiveBack(WorkItem owner, string reason, string detail)
    {
        Log.GivingBack(logger, owner.Message.Id, reason, detail);
        telemetry.ImageFinished("given_back");
        owner.Finish(MessageDisposition.Abandon(reason));
    }
}
