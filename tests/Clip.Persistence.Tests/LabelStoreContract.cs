using Clip.TestUtilities;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Clip.Persistence.Tests;

/// <summary>
/// What the label store promises, run unchanged against every dialect: a subclass per database supplies a fresh,
/// empty database for each test.
/// </summary>
public abstract partial class LabelStoreContract : IAsyncLifetime
{
    private const string Etag = "\"0x8DC\"";

    protected abstract DatabaseProvider Provider { get; }

    private protected ManualTime Time { get; } = new();

    private protected RecordingLogger<LabelStore> Logger { get; } = new();

    private protected LabelStore Store { get; private set; } = null!;

    private protected IReadOnlyList<int> FirstMigration { get; private set; } = [];

    private protected string ConnectionString { get; private set; } = "";

    protected abstract Task<string> CreateDatabaseAsync();

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        Store = new LabelStore(new PersistenceOptions { Provider = Provider, ConnectionString = ConnectionString }, Logger, Time);
        FirstMigration = await Store.MigrateAsync();
    }

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task MigrateAsync_Twice_SecondRunIsANoOp()
    {
        var second = await Store.MigrateAsync();

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9], FirstMigration);
        Assert.Empty(second);
        Assert.Equal(9, await CountAsync("schema_migrations"));
        Assert.Contains(Logger.Entries, e => e.Level == LogLevel.Information && e.Message.Contains("up to date at version 9", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigrateAsync_Logs_NeverTheConnectionString()
    {
        Assert.NotEmpty(Logger.Entries);
        Assert.DoesNotContain(Logger.Entries, e => e.Message.Contains(ConnectionString, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteBatchAsync_LabelledImage_ReadsBackExactly()
    {
        var image = Outcomes.Labelled("https://acct.blob.core.windows.net/in/cat.jpg", labels: ["cat", "dog", "fox"]);

        await Store.WriteBatchAsync([image]);

        var stored = await Store.GetImageAsync(image.SourceUri, Etag);
        Assert.Equal(new StoredImage(image.SourceUri, Etag, 12_345, 640, 480, StoredImage.Labelled, Time.Now, Time.Now), stored);
        var run = Assert.Single(await Store.GetRunsAsync(image.SourceUri, Etag));
        Assert.Equal((Outcomes.Model, Outcomes.Taxonomy, (string?)null, false, (string?)null), (run.ModelId, run.TaxonomyVersion, run.HeadVersion, run.Abstained, run.AbstainReason));
        Assert.Equal(image.Timings, run.Timings);
        Assert.Equal(Time.Now, run.CreatedAt);
        Assert.Equal(image.Labels, run.Labels);
    }

    [Fact]
    public async Task FindLabelledAsync_ManyImagesInOneQuery_GivesExactlyTheLabelledContents()
    {
        const string source = "https://acct.blob.core.windows.net/in/cat.jpg";
        const string other = "https://acct.blob.core.windows.net/in/dog.jpg";
        await Store.WriteBatchAsync([
            Outcomes.Labelled(source, labels: ["cat"]),
            Outcomes.Labelled(other, head: "head-7", labels: ["dog"]),
            Outcomes.Failed("https://acct.blob.core.windows.net/in/broken.jpg")]);
        ImageVersion[] asked =
        [
            new(source, Etag),
            new(source, "\"0x8DD\""),
            new(other, Etag),
            new("https://acct.blob.core.windows.net/in/broken.jpg", Etag),
            new("https://acct.blob.core.windows.net/in/never-seen.jpg", Etag),
            .. Enumerable.Range(0, LabelStore.MaxLabelledLookup - 5).Select(i => new ImageVersion($"https://acct.blob.core.windows.net/in/{i}.jpg", Etag)),
        ];

        var zeroShot = await Store.FindLabelledAsync(asked, Outcomes.Model, Outcomes.Taxonomy, null);
        var headed = await Store.FindLabelledAsync(asked, Outcomes.Model, Outcomes.Taxonomy, "head-7");

        Assert.Equal([new ImageVersion(source, Etag)], zeroShot);
        Assert.Equal([new ImageVersion(other, Etag)], headed);
        Assert.Empty(await Store.FindLabelledAsync(asked, Outcomes.Model, "sha256:taxonomy-b", null));
        Assert.Empty(await Store.FindLabelledAsync([], Outcomes.Model, Outcomes.Taxonomy, null));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.FindLabelledAsync([.. asked, new("x", "y")], Outcomes.Model, Outcomes.Taxonomy, null));
    }

    [Fact]
    public async Task IsLabelledAsync_MatchesOnlyTheExactContentModelTaxonomyAndHead()
    {
        const string source = "https://acct.blob.core.windows.net/in/cat.jpg";
        await Store.WriteBatchAsync([Outcomes.Labelled(source, labels: ["cat"]), Outcomes.Labelled(source, head: "head-7", labels: ["cat"])]);

        Assert.True(await Store.IsLabelledAsync(source, Etag, Outcomes.Model, Outcomes.Taxonomy, null));
        Assert.True(await Store.IsLabelledAsync(source, Etag, Outcomes.Model, Outcomes.Taxonomy, "head-7"));
        Assert.False(await Store.IsLabelledAsync(source, Etag, Outcomes.Model, Outcomes.Taxonomy, "head-8"));
        Assert.False(await Store.IsLabelledAsync(source, "\"0x8DD\"", Outcomes.Model, Outcomes.Taxonomy, null));
        Assert.False(await Store.IsLabelledAsync(source, Etag, Outcomes.Model, "sha256:taxonomy-b", null));
        Assert.False(await Store.IsLabelledAsync(source, Etag, "openai/clip-vit-base-patch32", Outcomes.Taxonomy, null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("head-7")]
    public async Task WriteBatchAsync_SameImageAgain_KeepsOneRunWithTheLatestLabels(string? head)
    {
        const string source = "https://acct.blob.core.windows.net/in/cat.jpg";
        var firstSeen = Time.Now;
        await Store.WriteBatchAsync([Outcomes.Labelled(source, head: head, labels: ["cat", "dog", "fox"])]);
        Time.Now += TimeSpan.FromMinutes(5);

        var redelivered = Outcomes.Labelled(source, head: head, labels: ["lynx", "cat"]);
        await Store.WriteBatchAsync([redelivered]);

        var run = Assert.Single(await Store.GetRunsAsync(source, Etag));
        Assert.Equal(head, run.HeadVersion);
        Assert.Equal(redelivered.Labels, run.Labels);
        var image = await Store.GetImageAsync(source, Etag);
        Assert.Equal((firstSeen, Time.Now), (image!.FirstSeen, image.LastSeen));
        Assert.Equal((1, 1, 2), (await CountAsync("images"), await CountAsync("label_runs"), await CountAsync("labels")));
    }

    [Fact]
    public async Task WriteBatchAsync_SameImageTwiceInOneBatch_LastOutcomeWins()
    {
        const string source = "file:///photos/cat.png";

        await Store.WriteBatchAsync([Outcomes.Labelled(source, labels: ["dog"]), Outcomes.Labelled(source, labels: ["cat"])]);

        var run = Assert.Single(await Store.GetRunsAsync(source, Etag));
        Assert.Equal("cat", Assert.Single(run.Labels).LabelId);
    }

    [Fact]
    public async Task WriteBatchAsync_NewContentOrTaxonomy_AddsRuns()
    {
        const string source = "https://acct.blob.core.windows.net/in/cat.jpg";

        await Store.WriteBatchAsync([
            Outcomes.Labelled(source, labels: ["cat"]),
            Outcomes.Labelled(source, taxonomy: "sha256:taxonomy-b", labels: ["cat"]),
            Outcomes.Labelled(source, etag: "\"0x8DD\"", labels: ["cat"]),
        ]);

        Assert.Equal(2, (await Store.GetRunsAsync(source, Etag)).Count);
        Assert.Single(await Store.GetRunsAsync(source, "\"0x8DD\""));
        Assert.Equal(2, await CountAsync("images"));
    }

    [Fact]
    public async Task WriteBatchAsync_FailureThenSuccess_MarksTheImageLabelled()
    {
        const string source = "https://acct.blob.core.windows.net/in/flaky.jpg";
        await Store.WriteBatchAsync([Outcomes.Failed(source, stage: FailureStage.Download, reason: "blob_unavailable")]);
        Assert.Equal(StoredImage.Failed, (await Store.GetImageAsync(source, Etag))!.Status);

        await Store.WriteBatchAsync([Outcomes.Labelled(source, labels: ["cat"])]);

        var image = await Store.GetImageAsync(source, Etag);
        Assert.Equal((StoredImage.Labelled, 640, 480), (image!.Status, image.Width, image.Height));
        Assert.True(await Store.IsLabelledAsync(source, Etag, Outcomes.Model, Outcomes.Taxonomy, null));
        var failure = Assert.Single(await Store.GetFailuresAsync());
        Assert.Equal((FailureStage.Download, "blob_unavailable"), (failure.Stage, failure.Reason));
    }

    [Fact]
    public async Task WriteBatchAsync_FailureAfterSuccess_KeepsTheImageLabelled()
    {
        const string source = "https://acct.blob.core.windows.net/in/cat.jpg";
        await Store.WriteBatchAsync([Outcomes.Labelled(source, labels: ["cat"])]);

        await Store.WriteBatchAsync([Outcomes.Failed(source, stage: FailureStage.Write, reason: "timeout")]);

        Assert.Equal(StoredImage.Labelled, (await Store.GetImageAsync(source, Etag))!.Status);
        Assert.Single(await Store.GetRunsAsync(source, Etag));
    }

    [Fact]
    public async Task WriteBatchAsync_FailureBeforeTheEtagIsKnown_RecordsOnlyTheFailure()
    {
        await Store.WriteBatchAsync([Outcomes.Failed("servicebus://queue/message-17", etag: null, stage: FailureStage.Event, reason: "unparseable_event")]);

        var failure = Assert.Single(await Store.GetFailuresAsync());
        Assert.Equal(new StoredFailure("servicebus://queue/message-17", null, FailureStage.Event, "unparseable_event", "unparseable_event while Event", Time.Now), failure);
        Assert.Equal(0, await CountAsync("images"));
    }

    [Fact]
    public async Task WriteBatchAsync_SameFailureAgain_CountsAnOccurrenceInsteadOfAddingARow()
    {
        await Store.WriteBatchAsync([Outcomes.Failed("a.jpg", reason: "corrupt")]);
        await Store.WriteBatchAsync([Outcomes.Failed("a.jpg", reason: "corrupt"), Outcomes.Failed("a.jpg", reason: "corrupt")]);
        await Store.WriteBatchAsync([Outcomes.Failed("a.jpg", reason: "too_large"), Outcomes.Failed("message-1", etag: null, stage: FailureStage.Event, reason: "not_json")]);
        await Store.WriteBatchAsync([Outcomes.Failed("message-1", etag: null, stage: FailureStage.Event, reason: "not_json")]);

        var failures = await Store.GetFailuresAsync();
        Assert.Equal(3, failures.Count);
        Assert.Equal(3, failures.Single(f => f.Reason == "corrupt").Occurrences);
        Assert.Equal(1, failures.Single(f => f.Reason == "too_large").Occurrences);
        Assert.Equal(2, failures.Single(f => f.Reason == "not_json").Occurrences);
        Assert.Equal(3, await CountAsync("failures"));
    }

    [Fact]
    public async Task CountFailuresByReasonAsync_GroupsByReasonMostFrequentFirst()
    {
        await Store.WriteBatchAsync([
            Outcomes.Failed("a.jpg", reason: "too_large"),
            Outcomes.Failed("b.jpg", reason: "not_an_image"),
            Outcomes.Failed("c.jpg", reason: "too_large"),
            Outcomes.Failed("d.jpg", etag: null, stage: FailureStage.Validate, reason: "source_not_allowed"),
            Outcomes.Labelled("e.jpg", labels: ["cat"]),
        ]);

        Assert.Equal(
            [new FailureCount("too_large", 2), new FailureCount("not_an_image", 1), new FailureCount("source_not_allowed", 1)],
            await Store.CountFailuresByReasonAsync());
        Assert.Equal(["a.jpg", "c.jpg"], (await Store.GetFailuresAsync("too_large")).Select(f => f.SourceUri).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CountImagesPerLabelAsync_CountsDistinctImagesPerLabel()
    {
        await Store.WriteBatchAsync([
            Outcomes.Labelled("1.jpg", labels: ["cat"]),
            Outcomes.Labelled("2.jpg", labels: ["cat", "dog"]),
            Outcomes.Labelled("3.jpg", labels: ["dog", "cat"]),
            Outcomes.Labelled("4.jpg", labels: ["fox"]),
            Outcomes.Labelled("4.jpg", head: "head-7", labels: ["fox"]),
            Outcomes.Labelled("5.jpg", model: "openai/clip-vit-base-patch32", labels: ["fox"]),
        ]);
        await Store.WriteBatchAsync([Outcomes.Labelled("1.jpg", labels: ["cat"])]);

        Assert.Equal(
            [new LabelCount("cat", "a cat", 3), new LabelCount("dog", "a dog", 2), new LabelCount("fox", "a fox", 1)],
            await Store.CountImagesPerLabelAsync(Outcomes.Model, Outcomes.Taxonomy));
        Assert.Equal(2, (await Store.CountImagesPerLabelAsync()).Single(c => c.LabelId == "fox").Images);
    }

    [Fact]
    public async Task WriteBatchAsync_Abstained_StoresTheRunWithItsReasonAndNoLabels()
    {
        var unsure = Outcomes.Labelled("blurry.jpg") with { Abstained = true, AbstainReason = "margin_below_0.05" };

        await Store.WriteBatchAsync([unsure]);

        var run = Assert.Single(await Store.GetRunsAsync("blurry.jpg", Etag));
        Assert.Equal((true, "margin_below_0.05"), (run.Abstained, run.AbstainReason));
        Assert.Empty(run.Labels);
        Assert.True(await Store.IsLabelledAsync("blurry.jpg", Etag, Outcomes.Model, Outcomes.Taxonomy, null));
        Assert.Empty(await Store.CountImagesPerLabelAsync());
    }

    [Fact]
    public async Task WriteBatchAsync_Embedding_RoundTripsBitExact()
    {
        var random = new Random(7);
        float[] vector = [
            float.NaN, BitConverter.Int32BitsToSingle(0x7FC0_1234), -0f, 0f, float.Epsilon, -float.Epsilon,
            float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, 1e-40f,
            .. Enumerable.Range(0, 501).Select(_ => (float)((random.NextDouble() * 2) - 1)),
        ];

        await Store.WriteBatchAsync([Outcomes.Labelled("cat.jpg", labels: ["cat"]) with { Embedding = vector }]);

        var stored = await Store.GetEmbeddingAsync("cat.jpg", Etag, Outcomes.Model);
        Assert.Equal(vector.Select(BitConverter.SingleToInt32Bits), stored!.Select(BitConverter.SingleToInt32Bits));
        Assert.Null(await Store.GetEmbeddingAsync("cat.jpg", Etag, "openai/clip-vit-base-patch32"));
    }

    [Fact]
    public async Task WriteBatchAsync_EmbeddingOfTwoRunsOfOneModel_StoresOneReplacedRow()
    {
        var image = Outcomes.Labelled("cat.jpg", labels: ["cat"]);
        await Store.WriteBatchAsync([image with { Embedding = new float[] { 1, 2, 3 } }]);

        await Store.WriteBatchAsync([
            image with { Embedding = new float[] { 4, 5, 6, 7 } },
            image with { TaxonomyVersion = "sha256:taxonomy-b", Embedding = new float[] { 4, 5, 6, 7 } },
        ]);

        var stored = await Store.GetEmbeddingAsync("cat.jpg", Etag, Outcomes.Model);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, stored);
        Assert.Equal(1, await CountAsync("embeddings"));
    }

    [Fact]
    public async Task WriteBatchAsync_HostileText_IsStoredVerbatim()
    {
        const string source = "https://acct.blob.core.windows.net/in/it's; DROP TABLE images; --\"x\".jpg";
        const string etag = "W/\"0x8DC'); DELETE FROM labels; --\"";
        var label = new AssignedLabel("o'brien", "Robert'); DROP TABLE labels;-- \\ ? $1 @p0 :name", 0.5, 0.25, 0.75, 1);
        var image = Outcomes.Labelled(source, etag) with { Labels = [label] };

        await Store.WriteBatchAsync([image, Outcomes.Failed(source + "?x", etag: null, reason: "bad'reason;--")]);

        Assert.Equal(source, (await Store.GetImageAsync(source, etag))!.SourceUri);
        Assert.Equal(label, Assert.Single(Assert.Single(await Store.GetRunsAsync(source, etag)).Labels));
        Assert.True(await Store.IsLabelledAsync(source, etag, Outcomes.Model, Outcomes.Taxonomy, null));
        Assert.Equal("bad'reason;--", Assert.Single(await Store.CountFailuresByReasonAsync()).Reason);
        Assert.Equal((1, 1, 1), (await CountAsync("images"), await CountAsync("labels"), await CountAsync("failures")));
    }

    [Fact]
    public async Task WriteBatchAsync_ConcurrentWritersOfTheSameImages_LeaveOneRunPerImage()
    {
        var images = Enumerable.Range(0, 24).Select(i => Outcomes.Labelled($"img-{i:D2}.jpg", labels: ["cat", "dog"])).ToArray();
        // Each writer sends the images in its own order and batch sizes, as redelivered events would arrive.
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var order = images.OrderBy(i => (i.SourceUri.GetHashCode(StringComparison.Ordinal) * (w + 1)) ^ w).ToArray();
            foreach (var batch in order.Chunk(5 + w))
            {
                await Store.WriteBatchAsync(batch);
            }
        }));

        await Task.WhenAll(writers);

        Assert.Equal((24, 24, 48), (await CountAsync("images"), await CountAsync("label_runs"), await CountAsync("labels")));
    }

    [Fact]
    public async Task WriteBatchAsync_InvalidOutcome_WritesNothing()
    {
        var bad = Outcomes.Labelled("bad.jpg") with { Labels = [new AssignedLabel("cat", "a cat", 1, 1, 1, Rank: 0)] };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteBatchAsync([Outcomes.Labelled("good.jpg", labels: ["cat"]), bad]));

        Assert.Contains("Outcome 1", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync("images"));
    }

    private protected async Task<long> CountAsync(string table)
    {
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }
}
