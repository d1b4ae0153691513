using Dapper;

namespace Clip.Persistence.Tests;

/// <summary>Reading embeddings back for the search index, and near-duplicate groups.</summary>
public abstract partial class LabelStoreContract
{
    private protected static LabelledImage WithVector(LabelledImage image, float first) => image with { Embedding = new[] { first, 0.6f, 0.8f } };

    private async Task<List<StoredEmbedding>> ReadAllAsync(DateTimeOffset? since, int pageSize = 2)
    {
        var rows = new List<StoredEmbedding>();
        await foreach (var row in Store.ReadEmbeddingsAsync(Outcomes.Model, since, pageSize))
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task ReadEmbeddingsAsync_AllOrSinceAWatermark_PagesInImageIdOrder()
    {
        await Store.WriteBatchAsync([
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/a.jpg", labels: ["cat"]), 0.1f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/b.jpg", labels: ["dog"]), 0.2f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/c.jpg", labels: ["cat"]), 0.3f)]);
        var watermark = Time.Now + TimeSpan.FromMinutes(1);
        Time.Now = watermark;
        await Store.WriteBatchAsync([WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/d.jpg", labels: ["fox"]), 0.4f)]);

        var all = await ReadAllAsync(since: null);
        var recent = await ReadAllAsync(since: watermark);

        Assert.Equal(["a.jpg", "b.jpg", "c.jpg", "d.jpg"], all.Select(r => r.SourceUri[^5..]));
        Assert.Equal(all.Select(r => r.ImageId).Order(), all.Select(r => r.ImageId));
        Assert.Equal([0.3f, 0.6f, 0.8f], all[2].Vector);
        Assert.Equal(watermark, all[3].CreatedAt);
        Assert.Equal(["d.jpg"], recent.Select(r => r.SourceUri[^5..]));
        Assert.Equal(all.Select(r => r.ImageId), await Store.ReadEmbeddedImageIdsAsync(Outcomes.Model));
        Assert.Equal(4, await Store.CountEmbeddingsAsync(Outcomes.Model));
        Assert.Empty(await Store.ReadEmbeddedImageIdsAsync(OtherModel));
    }

    [Fact]
    public async Task DescribeAndFilterImages_GiveTheRank1LabelAndTheIdsTheFilterAdmits()
    {
        await Store.WriteBatchAsync([
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/a.jpg", labels: ["cat", "dog"]), 0.1f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/b.jpg", labels: ["dog", "cat"]), 0.2f)]);
        var ids = (await ReadAllAsync(since: null)).Select(r => r.ImageId).ToArray();

        var described = await Store.DescribeImagesAsync([ids[0], ids[1], 999_999], Outcomes.Model);
        var cats = await Store.FilterImagesAsync(Outcomes.Model, new ImageFilter(LabelId: "cat"));
        var otherTaxonomy = await Store.FilterImagesAsync(Outcomes.Model, new ImageFilter(TaxonomyVersion: "sha256:taxonomy-b"));
        var recent = await Store.FilterImagesAsync(Outcomes.Model, new ImageFilter(Since: Time.Now - TimeSpan.FromSeconds(1)));
        var future = await Store.FilterImagesAsync(Outcomes.Model, new ImageFilter(Since: Time.Now + TimeSpan.FromDays(1)));

        Assert.Equal(
            [new ImageSummary(ids[0], "https://acct.blob.core.windows.net/in/a.jpg", "\"0x8DC\"", "cat", 0.8, Outcomes.Taxonomy),
             new ImageSummary(ids[1], "https://acct.blob.core.windows.net/in/b.jpg", "\"0x8DC\"", "dog", 0.8, Outcomes.Taxonomy)],
            described.OrderBy(d => d.ImageId));
        Assert.Equal([ids[0]], cats);
        Assert.Empty(otherTaxonomy);
        Assert.Equal(ids, recent.Order());
        Assert.Empty(future);
    }

    [Fact]
    public async Task ReplaceDuplicateGroupsAsync_ReplacesTheModelsGroupsAndSkipsDeletedImages()
    {
        await Store.WriteBatchAsync([
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/a.jpg", labels: ["cat"]), 0.1f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/b.jpg", labels: ["cat"]), 0.2f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/c.jpg", labels: ["cat"]), 0.3f)]);
        var ids = (await ReadAllAsync(since: null)).Select(r => r.ImageId).ToArray();

        await Store.ReplaceDuplicateGroupsAsync(Outcomes.Model, [new(ids[0], ids[0], 1), new(ids[0], ids[1], 0.97)], 0.95);
        await Store.ReplaceDuplicateGroupsAsync(Outcomes.Model, [new(ids[1], ids[1], 1), new(ids[1], ids[2], 0.96), new(ids[1], 999_999, 0.99)], 0.95);

        Assert.Equal([new DuplicateMember(ids[1], ids[1], 1), new DuplicateMember(ids[1], ids[2], 0.96)], await Store.ReadDuplicateGroupsAsync(Outcomes.Model));
        Assert.Empty(await Store.ReadDuplicateGroupsAsync(OtherModel));
    }

    [Fact]
    public async Task ReadEmbeddingDeletionsAsync_DeletedImagesAndEmbeddings_AreLoggedForTheirModel()
    {
        await Store.WriteBatchAsync([
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/a.jpg", labels: ["cat"]), 0.1f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/b.jpg", labels: ["cat"]), 0.2f),
            WithVector(Outcomes.Labelled("https://acct.blob.core.windows.net/in/c.jpg", labels: ["cat"]), 0.3f)]);
        var ids = (await ReadAllAsync(since: null)).Select(r => r.ImageId).ToArray();
        var empty = await Store.ReadLatestEmbeddingDeletionAsync();

        await ExecuteAsync("DELETE FROM images WHERE id = @Id", new { Id = ids[0] }); // Cascades to its embedding.
        await ExecuteAsync("DELETE FROM embeddings WHERE image_id = @Id", new { Id = ids[1] });
        var logged = await Store.ReadEmbeddingDeletionsAsync(Outcomes.Model, afterId: 0, deletedSince: null);
        var latest = (await Store.ReadLatestEmbeddingDeletionAsync())!;
        var pastTheEnd = await Store.ReadEmbeddingDeletionsAsync(Outcomes.Model, latest.Id, deletedSince: null);
        var inTheWindow = await Store.ReadEmbeddingDeletionsAsync(Outcomes.Model, latest.Id, latest.DeletedAt - TimeSpan.FromMinutes(2));

        Assert.Null(empty);
        Assert.Equal([ids[0], ids[1]], logged.Select(d => d.ImageId));
        Assert.Equal(logged[^1], latest);
        Assert.InRange(latest.DeletedAt, DateTimeOffset.UtcNow - TimeSpan.FromMinutes(5), DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5));
        Assert.Empty(pastTheEnd);
        Assert.Equal(logged, inTheWindow);
        Assert.Empty(await Store.ReadEmbeddingDeletionsAsync(OtherModel, afterId: 0, deletedSince: null));
        Assert.Equal([ids[2]], await Store.FindEmbeddedAsync([ids[0], ids[1], ids[2]], Outcomes.Model));
        Assert.Empty(await Store.FindEmbeddedAsync([ids[2]], OtherModel));
    }

    private protected async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = await Store.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, parameters);
    }
}
