using System.Globalization;
using Clip.Persistence;
using Clip.TestUtilities;
using Xunit.Abstractions;

namespace Clip.Search.Tests;

/// <summary>Search on the bundled tiny model: by text, by example, and never an image SQL no longer has.</summary>
public sealed class ImageSearchTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly SearchTestBed _bed = new();

    public Task InitializeAsync() => _bed.InitializeAsync();

    public Task DisposeAsync() => _bed.DisposeAsync();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Search_TextOfAColourAndShape_RanksImagesOfThatClassFirst()
    {
        const int PerClass = 3;
        var random = new Random(21);
        var colours = new[] { "red", "green", "blue", "yellow" };
        var images = (from colour in colours
                      from shape in SyntheticWorld.Shapes
                      from i in Enumerable.Range(0, PerClass)
                      select ($"synthetic://{colour}-{shape}/{i}", "v1", SearchTestBed.Png(colour, shape, random), shape)).ToList();
        await _bed.StoreAsync(images);

        var (top1Right, recallAt3, recallAt10, queries) = (0, 0.0, 0.0, 0);
        foreach (var colour in colours)
        {
            foreach (var shape in SyntheticWorld.Shapes)
            {
                var found = await _bed.Search.SearchAsync(_bed.Model.ModelId, _bed.Text($"a photo of a {colour} {shape}."), new SearchOptions(Top: 10));
                var relevant = found.Results.Select(r => r.Image.SourceUri.StartsWith($"synthetic://{colour}-{shape}/", StringComparison.Ordinal)).ToList();
                top1Right += relevant[0] ? 1 : 0;
                recallAt3 += relevant.Take(PerClass).Count(r => r) / (double)PerClass;
                recallAt10 += relevant.Count(r => r) / (double)PerClass;
                queries++;
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{queries} colour-and-shape queries over {images.Count} images (chance of a right top-1: {1.0 / queries:P1}): top-1 of the queried class {top1Right / (double)queries:P1}, recall@3 {recallAt3 / queries:P1}, recall@10 {recallAt10 / queries:P1}"));
        Assert.True(top1Right >= queries * 0.9, $"top-1 right for {top1Right} of {queries} queries");
        Assert.True(recallAt3 / queries >= 0.85, $"recall@3 {recallAt3 / queries:P1}");
    }

    [Fact]
    public async Task Search_ByAStoredExample_FindsItsOwnVariantsFirst()
    {
        var random = new Random(5);
        var images = new List<(string, string, byte[], string)>();
        var originals = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var shape = SyntheticWorld.Shapes[i];
            var png = SearchTestBed.Png(SyntheticWorld.ColourNames[i % SyntheticWorld.ColourNames.Count], shape, random);
            var uri = $"synthetic://original/{i}";
            originals.Add(uri);
            images.Add((uri, "v1", png, shape));
            foreach (var kind in new[] { "resized", "jpeg", "cropped" })
            {
                images.Add(($"synthetic://variant/{i}/{kind}", "v1", SearchTestBed.Variant(png, kind), shape));
            }

            // Other pictures of the same shape: what a near-duplicate is not.
            for (var j = 0; j < 4; j++)
            {
                images.Add(($"synthetic://other/{i}/{j}", "v1", SearchTestBed.Png(SyntheticWorld.ColourNames[random.Next(SyntheticWorld.ColourNames.Count)], shape, random), shape));
            }
        }

        await _bed.StoreAsync(images);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);

        var variantsInTop3 = 0;
        for (var i = 0; i < originals.Count; i++)
        {
            var (id, vector) = _bed.Search.FindExample(_bed.Model.ModelId, originals[i])!.Value;
            var found = await _bed.Search.SearchAsync(_bed.Model.ModelId, vector, new SearchOptions(Top: 3), exclude: id);
            output.WriteLine($"{originals[i]}: {string.Join(", ", found.Results.Select(r => $"{r.Image.SourceUri} {r.Cosine:0.000}"))}");
            Assert.DoesNotContain(found.Results, r => r.Image.ImageId == id);
            variantsInTop3 += found.Results.Count(r => r.Image.SourceUri.StartsWith($"synthetic://variant/{i}/", StringComparison.Ordinal));
        }

        output.WriteLine($"variants in the top 3: {variantsInTop3} of {3 * originals.Count}");
        Assert.Equal(3 * originals.Count, variantsInTop3);
    }

    [Fact]
    public async Task Search_ImagesDeletedOrSupersededInSql_NeverComeBack()
    {
        var random = new Random(8);
        var star = SearchTestBed.Png("red", "star", random);
        var ids = await _bed.StoreAsync([
            ("synthetic://kept", "v1", SearchTestBed.Png("red", "circle", random), "circle"),
            ("synthetic://replaced", "v1", star, "star"),
            ("synthetic://deleted", "v1", SearchTestBed.Variant(star, "jpeg"), "star"),
            ("synthetic://deleted-unrefreshed", "v1", SearchTestBed.Variant(star, "cropped"), "star"),
        ]);
        var query = _bed.Text("a photo of a red star.");
        var before = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Top: 10));
        Assert.Equal(4, before.Indexed);

        // A new version of one source, one image deleted (and refreshed), one deleted behind the index's back.
        await _bed.StoreAsync([("synthetic://replaced", "v2", SearchTestBed.Variant(star, "resized"), "star")]);
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri = 'synthetic://deleted'");
        var after = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Top: 10));
        await _bed.ExecuteAsync("DELETE FROM images WHERE source_uri = 'synthetic://deleted-unrefreshed'");
        var unrefreshed = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Top: 10, Refresh: false));

        Assert.Equal((1, 2, 3L), (after.Refresh!.Added, after.Refresh.Dropped, after.Indexed));
        Assert.Equal(["synthetic://deleted-unrefreshed", "synthetic://kept", "synthetic://replaced"], after.Results.Select(r => r.Image.SourceUri).Order());
        Assert.Equal("v2", after.Results.Single(r => r.Image.SourceUri == "synthetic://replaced").Image.EtagOrHash);
        Assert.Equal(["synthetic://kept", "synthetic://replaced"], unrefreshed.Results.Select(r => r.Image.SourceUri).Order());
        Assert.DoesNotContain(ids[1], after.Results.Select(r => r.Image.ImageId));
    }

    [Fact]
    public async Task Search_TwoDatabasesSharingAnIndexFolder_NeverSeeEachOthersImages()
    {
        using var other = new SearchTestBed(_bed.IndexRoot);
        await other.InitializeAsync();
        var random = new Random(4);
        await _bed.StoreAsync([("synthetic://first-database", "v1", SearchTestBed.Png("red", "star", random), "star")]);
        await other.StoreAsync([("synthetic://second-database", "v1", SearchTestBed.Png("red", "star", random), "star")]);
        var query = _bed.Text("a photo of a red star.");

        var first = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions());
        var second = await other.Search.SearchAsync(other.Model.ModelId, query, new SearchOptions());
        await other.DisposeAsync();

        Assert.Equal(["synthetic://first-database"], first.Results.Select(r => r.Image.SourceUri));
        Assert.Equal(["synthetic://second-database"], second.Results.Select(r => r.Image.SourceUri));
        Assert.NotEqual(_bed.Search.FolderFor(_bed.Model.ModelId), other.Search.FolderFor(other.Model.ModelId));
    }

    [Fact]
    public async Task Search_Filters_AreAppliedToTheIndexIdsFromSql()
    {
        var random = new Random(3);
        await _bed.StoreAsync([
            ("synthetic://a", "v1", SearchTestBed.Png("red", "star", random), "star"),
            ("synthetic://b", "v1", SearchTestBed.Png("red", "circle", random), "circle"),
            ("synthetic://c", "v1", SearchTestBed.Png("blue", "star", random), "star"),
        ]);
        var query = _bed.Text("a photo of a star.");

        var stars = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Filter: new ImageFilter(LabelId: "star")));
        var otherTaxonomy = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Filter: new ImageFilter(TaxonomyVersion: "sha256:other")));
        var future = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(Filter: new ImageFilter(Since: DateTimeOffset.UtcNow.AddDays(1))));
        var similar = await _bed.Search.SearchAsync(_bed.Model.ModelId, query, new SearchOptions(MinCosine: 2f));

        Assert.Equal(["synthetic://a", "synthetic://c"], stars.Results.Select(r => r.Image.SourceUri).Order());
        Assert.All(stars.Results, r => Assert.Equal(("star", 0.9, "sha256:test-taxonomy"), (r.Image.LabelId, r.Image.Probability, r.Image.TaxonomyVersion)));
        Assert.Empty(otherTaxonomy.Results);
        Assert.Empty(future.Results);
        Assert.Empty(similar.Results);
    }
}
