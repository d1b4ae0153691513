using Clip.Persistence;
using Clip.Worker.Pipeline;

namespace Clip.Worker.Tests;

/// <summary>The duplicate check asks the database once per round, not once per image being prepared.</summary>
public sealed class DuplicateCheckTests
{
    private static readonly DuplicateCheck.RunKey Key = new("model", "taxonomy", null);

    private static ImageVersion Image(int i) => new($"https://acct.blob.core.windows.net/in/{i}.jpg", $"\"0x{i}\"");

    /// <summary>A database whose queries wait for <see cref="Release"/>; it records what each query asked.</summary>
    private sealed class GatedDatabase(IReadOnlySet<ImageVersion> labelled)
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> QuerySizes { get; } = [];

        public TaskCompletionSource<bool> FirstQueryStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Exception? Failure { get; set; }

        public async Task<IReadOnlySet<ImageVersion>> QueryAsync(IReadOnlyCollection<ImageVersion> images, DuplicateCheck.RunKey key, CancellationToken ct)
        {
            lock (QuerySizes)
            {
                QuerySizes.Add(images.Count);
            }

            FirstQueryStarted.TrySetResult(true);
            await _gate.Task;
            return Failure is null ? images.Where(labelled.Contains).ToHashSet() : throw Failure;
        }

        public void Release() => _gate.TrySetResult();
    }

    [Fact]
    public async Task IsLabelled_FiftyAskWhileOneQueryRuns_AllFiftyGoInTheNextQueryWithRightAnswers()
    {
        var database = new GatedDatabase(new HashSet<ImageVersion> { Image(0), Image(7), Image(30) });
        var check = new DuplicateCheck(database.QueryAsync);

        var first = check.IsLabelledAsync(Image(0), Key, CancellationToken.None);
        await database.FirstQueryStarted.Task;
        var rest = Enumerable.Range(1, 50).Select(i => check.IsLabelledAsync(Image(i), Key, CancellationToken.None)).ToList();
        database.Release();
        var answers = await Task.WhenAll(rest);

        Assert.True(await first);
        Assert.Equal([1, 50], database.QuerySizes);
        Assert.Equal([7, 30], Enumerable.Range(1, 50).Where(i => answers[i - 1]));
    }

    [Fact]
    public async Task IsLabelled_MoreAskersThanOneQueryTakes_SplitsIntoQueriesOfAtMostTheLimit()
    {
        var database = new GatedDatabase(new HashSet<ImageVersion>());
        var check = new DuplicateCheck(database.QueryAsync, maxPerQuery: 8);

        var first = check.IsLabelledAsync(Image(0), Key, CancellationToken.None);
        await database.FirstQueryStarted.Task;
        var rest = Enumerable.Range(1, 20).Select(i => check.IsLabelledAsync(Image(i), Key, CancellationToken.None)).ToList();
        database.Release();
        await Task.WhenAll(rest.Append(first));

        Assert.Equal([1, 8, 8, 4], database.QuerySizes);
    }

    [Fact]
    public async Task IsLabelled_QueryFails_EveryAskerInItSeesTheFailureAndTheNextRoundStillRuns()
    {
        var database = new GatedDatabase(new HashSet<ImageVersion> { Image(1) }) { Failure = new TimeoutException("the database did not answer") };
        var check = new DuplicateCheck(database.QueryAsync);

        var first = check.IsLabelledAsync(Image(0), Key, CancellationToken.None);
        await database.FirstQueryStarted.Task;
        var second = check.IsLabelledAsync(Image(1), Key, CancellationToken.None);
        database.Release();

        await Assert.ThrowsAsync<TimeoutException>(() => first);
        await Assert.ThrowsAsync<TimeoutException>(() => second);
        database.Failure = null;
        Assert.True(await check.IsLabelledAsync(Image(1), Key, CancellationToken.None));
    }

    [Fact]
    public async Task IsLabelled_AskerCancels_StopsWaitingWhileTheOthersGetTheirAnswers()
    {
        var database = new GatedDatabase(new HashSet<ImageVersion> { Image(2) });
        var check = new DuplicateCheck(database.QueryAsync);
        using var cancel = new CancellationTokenSource();

        var first = check.IsLabelledAsync(Image(0), Key, CancellationToken.None);
        await database.FirstQueryStarted.Task;
        var cancelled = check.IsLabelledAsync(Image(1), Key, cancel.Token);
        var other = check.IsLabelledAsync(Image(2), Key, CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        database.Release();
        Assert.False(await first);
        Assert.True(await other);
    }

    [Fact]
    public async Task IsLabelled_AnotherHeadInTheSameRound_IsAskedUnderItsOwnKey()
    {
        var asked = new List<DuplicateCheck.RunKey>();
        var check = new DuplicateCheck((images, key, _) =>
        {
            lock (asked)
            {
                asked.Add(key);
            }

            return Task.FromResult<IReadOnlySet<ImageVersion>>(key.HeadVersion == "head-2" ? images.ToHashSet() : new HashSet<ImageVersion>());
        });

        var zeroShot = check.IsLabelledAsync(Image(1), Key, CancellationToken.None);
        var headed = check.IsLabelledAsync(Image(1), Key with { HeadVersion = "head-2" }, CancellationToken.None);

        Assert.Equal((false, true), (await zeroShot, await headed));
        Assert.Contains(Key with { HeadVersion = "head-2" }, asked);
    }
}
