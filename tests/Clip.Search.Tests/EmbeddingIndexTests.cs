using Clip.TestUtilities;

namespace Clip.Search.Tests;

/// <summary>The index on disk: incremental refreshes, compaction, and a damaged index rebuilt rather than trusted.</summary>
public sealed class EmbeddingIndexTests : IAsyncLifetime, IDisposable
{
    private readonly SearchTestBed _bed = new();
    private readonly Random _random = new(9);

    public Task InitializeAsync() => _bed.InitializeAsync();

    public Task DisposeAsync() => _bed.DisposeAsync();

    public void Dispose() => _bed.Dispose();

    private string Folder => _bed.Search.FolderFor(_bed.Model.ModelId);

    private Task<long[]> StoreAsync(string prefix, int count) => _bed.StoreAsync(
        [.. Enumerable.Range(0, count).Select(i => ($"synthetic://{prefix}/{i}", "v1", SearchTestBed.Png("red", SyntheticWorld.Shapes[i % 6], _random), SyntheticWorld.Shapes[i % 6]))]);

    [Fact]
    public async Task Refresh_NewRowsOnly_AddsASegmentAndKeepsTheRest()
    {
        await StoreAsync("first", 10);
        var first = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await StoreAsync("second", 5);
        var second = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        var third = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((10, 0, 10L, true), (first.Added, first.Dropped, first.Served, first.Rebuilt));
        Assert.Equal((5, 0, 15L, false), (second.Added, second.Dropped, second.Served, second.Rebuilt));
        Assert.Equal((0, 0, 15L), (third.Added, third.Dropped, third.Served));
        Assert.Equal(2, Directory.GetFiles(Folder, "segment-*.bin").Length);
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        Assert.Equal(15, index.Count);
        Assert.Equal(15, index.Rows().Select(r => r.ImageId).Distinct().Count());
    }

    [Fact]
    public async Task Refresh_EmbeddingRewritten_ServesTheNewVectorOnce()
    {
        var ids = await _bed.StoreAsync([("synthetic://relabelled", "v1", SearchTestBed.Png("red", "star", _random), "star")]);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await Task.Delay(10);
        await _bed.StoreAsync([("synthetic://relabelled", "v1", SearchTestBed.Png("blue", "circle", _random), "circle")]);

        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((0, 0, 1L), (refresh.Added, refresh.Dropped, refresh.Served));
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        var (id, vector) = Assert.Single(index.Rows());
        var stored = (await _bed.Store.GetEmbeddingAsync("synthetic://relabelled", "v1", _bed.Model.ModelId))!;
        Assert.Equal(ids[0], id);
        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Dot(stored, vector), 2);
    }

    [Fact]
    public async Task Refresh_ManyDroppedRows_CompactsIntoOneSegment()
    {
        await StoreAsync("keep", 4);
        await StoreAsync("gone", 8);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri LIKE 'synthetic://gone/%'");

        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((8, 4L, true), (refresh.Dropped, refresh.Served, refresh.Compacted));
        var segment = Assert.Single(Directory.GetFiles(Folder, "segment-*.bin"));
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        Assert.Equal(4, index.Count);
        Assert.True(new FileInfo(segment).Length < 4 * 1024, "the compacted segment holds only the rows still served");
    }

    [Fact]
    public async Task Refresh_ImagesDeleted_DropsThemByTheDeletionLogAlone()
    {
        await StoreAsync("keep", 6);
        await StoreAsync("gone", 2);
        var built = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri LIKE 'synthetic://gone/%'");

        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((true, false), (built.Rebuilt, built.Swept));
        Assert.Equal((2, 6L, false), (refresh.Dropped, refresh.Served, refresh.Swept));
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        Assert.Equal(6, index.Count);
    }

    [Fact]
    public async Task Refresh_LoggedDeletionOfAnImageSqlStillHas_KeepsServingIt()
    {
        var ids = await StoreAsync("rows", 3);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await _bed.ExecuteAsync(
            $"INSERT INTO embedding_deletions (model_id, image_id, deleted_at) VALUES ('{_bed.Model.ModelId}', {ids[0]}, '2000-01-01 00:00:00+00:00')");

        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((0, 3L, false), (refresh.Dropped, refresh.Served, refresh.Swept));
    }

    [Fact]
    public async Task Refresh_DeletedWithoutALogRow_DroppedByTheDailySweep()
    {
        await StoreAsync("rows", 4);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await _bed.ExecuteAsync("DROP TRIGGER embeddings_deleted");
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri = 'synthetic://rows/0'");

        var sameDay = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        _bed.Time.Offset = EmbeddingIndexBuilder.FullSweepEvery;
        var nextDay = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        var after = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((0, 4L, false), (sameDay.Dropped, sameDay.Served, sameDay.Swept));
        Assert.Equal((1, 3L, true), (nextDay.Dropped, nextDay.Served, nextDay.Swept));
        Assert.False(after.Swept);
    }

    [Fact]
    public async Task Refresh_IndexFromBeforeTheDeletionLog_SweepsOnceThenReadsTheLog()
    {
        await StoreAsync("rows", 3);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        var manifest = Path.Combine(Folder, "index.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json.Remove("deletions");
        json.Remove("swept_at");
        File.WriteAllText(manifest, json.ToJsonString());
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri = 'synthetic://rows/1'");

        var first = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        var second = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((false, true, 1, 2L), (first.Rebuilt, first.Swept, first.Dropped, first.Served));
        Assert.False(second.Swept);
    }

    [Fact]
    public async Task Refresh_NewestVersionDeletedAsAnOlderOneIsRelabelled_ServesTheOlderOne()
    {
        var star = SearchTestBed.Png("red", "star", _random);
        var v1 = await _bed.StoreAsync([("synthetic://versioned", "v1", star, "star")]);
        var v2 = await _bed.StoreAsync([("synthetic://versioned", "v2", SearchTestBed.Png("blue", "circle", _random), "circle")]);
        var before = await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        await _bed.ExecuteAsync($"DELETE FROM images WHERE id = {v2[0]}");
        await Task.Delay(10);
        await _bed.StoreAsync([("synthetic://versioned", "v1", star, "star")]);

        var after = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal(1L, before.Served);
        Assert.Equal(1L, after.Served);
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        Assert.Equal(v1[0], Assert.Single(index.Rows()).ImageId);
    }

    [Fact]
    public async Task Refresh_DamagedSegment_RebuildsFromSql()
    {
        await StoreAsync("rows", 6);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        var segment = Assert.Single(Directory.GetFiles(Folder, "segment-*.bin"));
        File.WriteAllBytes(segment, File.ReadAllBytes(segment)[..40]);

        Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Open(Folder, _bed.Model.ModelId));
        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((true, 6L), (refresh.Rebuilt, refresh.Served));
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        Assert.Equal(6, index.Count);
    }

    [Fact]
    public async Task Refresh_SegmentFileMissing_RebuildsFromSql()
    {
        await StoreAsync("rows", 4);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        File.Delete(Assert.Single(Directory.GetFiles(Folder, "segment-*.bin")));

        Assert.Throws<InvalidDataException>(() => EmbeddingIndex.Open(Folder, _bed.Model.ModelId));
        var refresh = await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        Assert.Equal((true, 4L), (refresh.Rebuilt, refresh.Served));
    }

    [Fact]
    public async Task Search_NothingLabelledYet_FindsNothing()
    {
        var found = await _bed.Search.SearchAsync(_bed.Model.ModelId, _bed.Text("a photo of a star."), new SearchOptions());

        Assert.Empty(found.Results);
        Assert.Equal(0, found.Indexed);
    }

    [Fact]
    public async Task Index_Float16Rows_KeepTheStoredCosinesToThreeDecimals()
    {
        var ids = await StoreAsync("rows", 6);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        using var index = EmbeddingIndex.Open(Folder, _bed.Model.ModelId)!;
        var query = _bed.Text("a photo of a red star.");

        foreach (var hit in index.Search(query, top: 6))
        {
            var uri = $"synthetic://rows/{Array.IndexOf(ids, hit.ImageId)}";
            var stored = (await _bed.Store.GetEmbeddingAsync(uri, "v1", _bed.Model.ModelId))!;
            Assert.Equal(System.Numerics.Tensors.TensorPrimitives.Dot(stored, query), hit.Cosine, 3);
        }

        // Two bytes per dimension per image, plus its id and source hash, plus one small header.
        var perRow = 16 + (2 * index.Dimension);
        Assert.InRange(new FileInfo(Assert.Single(Directory.GetFiles(Folder, "segment-*.bin"))).Length, 6 * perRow, (6 * perRow) + 128);
    }
}
