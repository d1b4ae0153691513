namespace Clip.ServiceBusBroker;

/// <summary>Completes a task whenever any queue of the broker changes, so tests wait on conditions instead of sleeping.</summary>
internal sealed class StateChangeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next change after this call.</summary>
    public Task NextChange => Volatile.Read(ref _next).Task;

    public void Notify() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
