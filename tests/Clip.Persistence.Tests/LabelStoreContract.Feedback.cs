namespace Clip.Persistence.Tests;

/// <summary>Feedback and the training sets read from it.</summary>
public abstract partial class LabelStoreContract
{
    private const string OtherModel = "openai/clip-vit-base-patch32";

    [Theory]
    [InlineData(null)]
    [InlineData("\"0x8DD\"")]
    public async Task AddFeedbackAsync_UnknownImage_ThrowsAndRecordsNothing(string? etag)
    {
        await Store.WriteBatchAsync([Outcomes.Labelled("cat.jpg", labels: ["cat"])]);

        var e = await Assert.ThrowsAsync<UnknownImageException>(() => Store.AddFeedbackAsync(Feedback(etag is null ? "dog.jpg" : "cat.jpg", "dog", etag)));

        Assert.Contains("label the image first", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync("feedback"));
    }

    [Fact]
    public async Task AddFeedbackAsync_WithoutEtag_UsesTheMostRecentlySeenContent()
    {
        await Store.WriteBatchAsync([WithEmbedding(Outcomes.Labelled("cat.jpg", etag: "\"v1\"", labels: ["dog"]), 1)]);
        Time.Now += TimeSpan.FromMinutes(1);
        await Store.WriteBatchAsync([WithEmbedding(Outcomes.Labelled("cat.jpg", etag: "\"v2\"", labels: ["dog"]), 2)]);

        var image = await Store.AddFeedbackAsync(Feedback("cat.jpg", "cat", etag: null));

        Assert.Equal("\"v2\"", image.EtagOrHash);
        var example = Assert.Single(await ReadAllAsync(Outcomes.Model, Outcomes.Taxonomy, batchSize: 10));
        Assert.Equal(("cat", 2f), (example.LabelId, example.Embedding[0]));
    }

    [Fact]
    public async Task ReadTrainingSetAsync_SeveralVerdicts_TheLatestPerTaxonomyWins()
    {
        await Store.WriteBatchAsync([WithEmbedding(Outcomes.Labelled("cat.jpg", labels: ["dog"]), 1)]);
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "dog"));
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "cat"));
        await Store.AddFeedbackAsync(Feedback("cat.jpg", "lynx") with { TaxonomyVersion = "sha256:taxonomy-b" });

        var example = Assert.Single(await ReadAllAsync(Outcomes.Model, Outcomes.Taxonomy, batchSize: 10));

        Assert.Equal("cat", example.LabelId);
        Assert.Equal("lynx", Assert.Single(await ReadAllAsync(Outcomes.Model, "sha256:taxonomy-b", batchSize: 10)).LabelId);
        Assert.Equal(3, await CountAsync("feedback"));
        Assert.Equal([new FeedbackCount("cat", 1)], await Store.CountFeedbackAsync(Outcomes.Model, Outcomes.Taxonomy));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(1000)]
    public async Task ReadTrainingSetAsync_AnyPageSize_StreamsEveryVerifiedImageWithAnEmbeddingOfTheModelOnce(int batchSize)
    {
        var expected = new List<(string Source, string Label, float First)>();
        for (var i = 0; i < 20; i++)
        {
            var source = $"img-{i:D2}.jpg";
            // Every third image has only the other model's embedding, every fifth no feedback.
            var model = i % 3 == 0 ? OtherModel : Outcomes.Model;
            await Store.WriteBatchAsync([WithEmbedding(Outcomes.Labelled(source, model: model, labels: ["cat"]), i)]);
            if (i % 5 != 0)
            {
                var label = i % 2 == 0 ? "cat" : "dog";
                await Store.AddFeedbackAsync(Feedback(source, label));
                if (model == Outcomes.Model)
                {
                    expected.Add((source, label, i));
                }
            }
        }

        var examples = await ReadAllAsync(Outcomes.Model, Outcomes.Taxonomy, batchSize);

        Assert.Equal(expected, examples.Select(e => (e.SourceUri, e.LabelId, e.Embedding[0])));
        Assert.Equal(examples.Select(e => e.ImageId).Order(), examples.Select(e => e.ImageId));
        Assert.All(examples, e => Assert.Equal(16, e.Embedding.Length));
        Assert.Equal(
            [new FeedbackCount("dog", expected.Count(e => e.Label == "dog")), new FeedbackCount("cat", expected.Count(e => e.Label == "cat"))],
            await Store.CountFeedbackAsync(Outcomes.Model, Outcomes.Taxonomy));
    }

    [Fact]
    public async Task ReadTrainingSetAsync_NoFeedback_IsEmpty()
    {
        await Store.WriteBatchAsync([WithEmbedding(Outcomes.Labelled("cat.jpg", labels: ["cat"]), 1)]);

        Assert.Empty(await ReadAllAsync(Outcomes.Model, Outcomes.Taxonomy, batchSize: 10));
        Assert.Empty(await Store.CountFeedbackAsync(Outcomes.Model, Outcomes.Taxonomy));
    }

    private FeedbackEntry Feedback(string source, string label, string? etag = "\"0x8DC\"") =>
        new(source, etag, label, Outcomes.Taxonomy, "reviewer@example.com", $"verified at {Time.Now:O}");

    private static LabelledImage WithEmbedding(LabelledImage image, float first) =>
        image with { Embedding = Enumerable.Range(0, 16).Select(i => i == 0 ? first : i / 16f).ToArray() };

    private async Task<List<LabelledEmbedding>> ReadAllAsync(string model, string taxonomy, int batchSize)
    {
        var examples = new List<LabelledEmbedding>();
        await foreach (var example in Store.ReadTrainingSetAsync(model, taxonomy, batchSize))
        {
            examples.Add(example);
        }

        return examples;
    }
}
