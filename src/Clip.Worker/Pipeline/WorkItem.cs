using System.Diagnostics;
using Clip.Ingestion.Messages;

namespace Clip.Worker.Pipeline;

/// <summary>
/// One inbound message on its way through the pipeline. It completes once every image job it spawned has finished,
/// with the most severe of their dispositions (abandon, then dead-letter, then complete).
/// </summary>
internal sealed class WorkItem
{
    private readonly TaskCompletionSource<MessageDisposition> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private MessageDisposition _disposition = MessageDisposition.Complete;

    // The resolve stage holds one count until it has spawned every job, so the item cannot finish early.
    private int _pending = 1;

    public WorkItem(InboundMessage message, Activity? activity, DateTimeOffset deadline)
    {
        Message = message;
        Activity = activity;
        Deadline = deadline;
    }

    public InboundMessage Message { get; }

    public Activity? Activity { get; }

    /// <summary>When the message must be given back if a transient failure still holds it up (its retry budget ends).</summary>
    public DateTimeOffset Deadline { get; }

    public Task<MessageDisposition> Completion => _completion.Task;

    /// <summary>Registers one more job; call before the job can finish.</summary>
    public void AddJob() => Interlocked.Increment(ref _pending);

    /// <summary>Records how one job (or the resolve stage itself) ended.</summary>
    public void Finish(MessageDisposition disposition)
    {
        ArgumentNullException.ThrowIfNull(disposition);
        MessageDisposition final;
        lock (_gate)
        {
            _disposition = MessageDisposition.Worse(_disposition, disposition);
            final = _disposition;
        }

        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _completion.TrySetResult(final);
        }
    }
}
