using System.Globalization;
using System.Numerics.Tensors;
using Clip.TestUtilities;
using Xunit.Abstractions;

namespace Clip.Search.Tests;

/// <summary>
/// The default near-duplicate threshold on the bundled model: copies of an image (resized, re-encoded as JPEG, cropped
/// by a few percent) must reach it, other pictures of the same class (same shape and colour, drawn again) must not.
/// </summary>
public sealed class NearDuplicateCalibrationTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly SearchTestBed _bed = new();

    public Task InitializeAsync() => _bed.InitializeAsync();

    public Task DisposeAsync() => _bed.DisposeAsync();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Duplicates_GeneratedVariants_AreGroupedAndOtherImagesOfTheClassKeptApart()
    {
        var random = new Random(31);
        var images = new List<(string Uri, string Version, byte[] Bytes, string Label)>();
        var bases = new List<(string Uri, string Class)>();
        foreach (var colour in new[] { "red", "green", "blue", "yellow" })
        {
            foreach (var shape in SyntheticWorld.Shapes)
            {
                for (var draw = 0; draw < 2; draw++)
                {
                    var png = SearchTestBed.Png(colour, shape, random);
                    var uri = $"synthetic://{colour}-{shape}/{draw}";
                    bases.Add((uri, $"{colour}-{shape}"));
                    images.Add((uri, "v1", png, shape));
                    images.AddRange(SearchTestBed.VariantKinds.Select(kind => ($"{uri}/{kind}", "v1", SearchTestBed.Variant(png, kind), shape)));
                }
            }
        }

        var ids = await _bed.StoreAsync(images);
        await _bed.Search.RefreshAsync(_bed.Model.ModelId);
        using var index = EmbeddingIndex.Open(_bed.Search.FolderFor(_bed.Model.ModelId), _bed.Model.ModelId)!;
        var vectors = index.Rows().ToDictionary(r => r.ImageId, r => r.Vector);
        var byUri = images.Select((image, i) => (image.Uri, Vector: vectors[ids[i]])).ToDictionary(p => p.Uri, p => p.Vector);

        // Pairs: each image with its own copies (should match); each with the other drawing of its class (should not).
        var copies = bases.SelectMany(b => SearchTestBed.VariantKinds.Select(kind => Cosine(byUri[b.Uri], byUri[$"{b.Uri}/{kind}"]))).ToList();
        var sameClass = bases.GroupBy(b => b.Class).Select(g => g.ToList()).Select(pair => Cosine(byUri[pair[0].Uri], byUri[pair[1].Uri])).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"copies: {copies.Count} pairs, cosine min {copies.Min():0.0000} median {Median(copies):0.0000}; other drawings of the class: {sameClass.Count} pairs, max {sameClass.Max():0.0000} median {Median(sameClass):0.0000}"));
        foreach (var kind in SearchTestBed.VariantKinds)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {kind,-12} min {bases.Min(b => Cosine(byUri[b.Uri], byUri[$"{b.Uri}/{kind}"])):0.0000}"));
        }

        foreach (var threshold in new[] { 0.90f, 0.93f, 0.95f, 0.97f, 0.98f, 0.99f })
        {
            var recall = copies.Count(c => c >= threshold) / (double)copies.Count;
            var falsePairs = sameClass.Count(c => c >= threshold);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"threshold {threshold:0.00}: recall of copies {recall:P1}, other drawings of the same class joined {falsePairs} of {sameClass.Count}"));
        }

        using var finder = new NearDuplicateFinder();
        var groups = finder.Find(index);
        var groupOf = groups.SelectMany(g => g.Members.Select(m => (m.ImageId, g.GroupId))).ToDictionary(p => p.ImageId, p => p.GroupId);
        var uriOf = images.Select((image, i) => (ids[i], image.Uri)).ToDictionary(p => p.Item1, p => p.Uri);
        long IdOf(string uri) => ids[images.FindIndex(i => i.Uri == uri)];
        long? GroupOf(string uri) => groupOf.TryGetValue(IdOf(uri), out var group) ? group : null;
        var copiesGrouped = bases.Sum(b => SearchTestBed.VariantKinds.Count(kind => GroupOf(b.Uri) is { } g && GroupOf($"{b.Uri}/{kind}") == g));
        var classPairs = bases.GroupBy(b => b.Class).Select(g => g.ToList()).ToList();
        var keptApart = classPairs.Count(pair => GroupOf(pair[0].Uri) is not { } g || GroupOf(pair[1].Uri) != g);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"clip duplicates at the default {NearDuplicateFinder.DefaultMinCosine}: {groups.Count} groups; copies in their original's group {copiesGrouped} of {copies.Count} ({copiesGrouped / (double)copies.Count:P1}); other drawings of the same class kept apart {keptApart} of {classPairs.Count} ({keptApart / (double)classPairs.Count:P1})"));

        Assert.All(groups, g => Assert.Equal((g.GroupId, 1f), (g.Members[0].ImageId, g.Members[0].CosineToFirst)));
        Assert.All(groups, g => Assert.All(g.Members, m => Assert.True(m.CosineToFirst >= NearDuplicateFinder.DefaultMinCosine - 1e-4f)));
        Assert.True(copiesGrouped >= copies.Count * 0.9, $"{copiesGrouped} of {copies.Count} copies grouped with their original");
        Assert.True(keptApart >= classPairs.Count * 0.8, $"{keptApart} of {classPairs.Count} other drawings kept apart");
    }

    private static string BaseOf(string uri) => uri.Count(c => c == '/') > 3 ? uri[..uri.LastIndexOf('/')] : uri;

    private static float Cosine(float[] a, float[] b) => TensorPrimitives.Dot(a, b);

    private static float Median(List<float> values) => values.Order().ElementAt(values.Count / 2);
}
