using Clip.Persistence;

namespace Clip.Worker.Pipeline;

/// <summary>
/// Answers "is this image content already labelled with this model, taxonomy and head?" for every prepare worker at
/// once: while one query runs, the questions that arrive wait and go together in the next, so a pod runs one
/// duplicate-check query at a time however many images it prepares in parallel, and an idle pod adds no delay.
/// A failed query fails the questions it carried; each asker retries within its own message's deadline.
/// </summary>
internal sealed class DuplicateCheck(DuplicateCheck.Query query, int maxPerQuery = LabelStore.MaxLabelledLookup)
{
    /// <summary>Which of <c>images</c> are labelled for one (model, taxonomy version, head).</summary>
    public delegate Task<IReadOnlySet<ImageVersion>> Query(IReadOnlyCollection<ImageVersion> images, RunKey key, CancellationToken cancellationToken);

    private readonly Lock _gate = new();
    private readonly List<Question> _waiting = [];
    private bool _querying;

    /// <summary>What a run is keyed by, besides the image.</summary>
    public readonly record struct RunKey(string ModelId, string TaxonomyVersion, string? HeadVersion);

    public Task<bool> IsLabelledAsync(ImageVersion image, RunKey key, CancellationToken cancellationToken)
    {
        var question = new Question(image, key, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_gate)
        {
            _waiting.Add(question);
            start = !_querying;
            _querying = true;
        }

        if (start)
        {
            _ = Task.Run(AnswerWaitingAsync, CancellationToken.None);
        }

        // A cancelled asker stops waiting; the query it joined still answers the others.
        return question.Answer.Task.WaitAsync(cancellationToken);
    }

    private async Task AnswerWaitingAsync()
    {
        while (true)
        {
            List<Question> round;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _querying = false;
                    return;
                }

                var take = Math.Min(_waiting.Count, maxPerQuery);
                round = _waiting.GetRange(0, take);
                _waiting.RemoveRange(0, take);
            }

            foreach (var sameKey in round.GroupBy(q => q.Key))
            {
                await AnswerAsync(sameKey.Key, [.. sameKey]);
            }
        }
    }

    private async Task AnswerAsync(RunKey key, List<Question> questions)
    {
        try
        {
            var labelled = await query(questions.Select(q => q.Image).ToHashSet(), key, CancellationToken.None);
            foreach (var question in questions)
            {
                question.Answer.TrySetResult(labelled.Contains(question.Image));
            }
        }
        catch (Exception e)
        {
            // Not swallowed: every asker gets the exception and decides, through its retry policy, what it means.
            foreach (var question in questions)
            {
                question.Answer.TrySetException(e);
            }
        }
    }

    private sealed record Question(ImageVersion Image, RunKey Key, TaskCompletionSource<bool> Answer);
}
