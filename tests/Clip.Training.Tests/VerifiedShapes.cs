using Clip.Inference;
using Clip.Persistence;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Training.Tests;

/// <summary>A training set for retraining runs: rendered shapes, embedded by the model and stored, each with a verified label.</summary>
internal static class VerifiedShapes
{
    /// <summary>The six shapes under code names the tiny model never saw: zero-shot is near chance.</summary>
    public const string CodeNameTaxonomy = """
        {
          "name": "shape-codenames",
          "templates": ["a photo of a {}."],
          "classes": [
            { "id": "circle", "names": ["zorblat"] },
            { "id": "square", "names": ["quimby"] },
            { "id": "triangle", "names": ["frobnik"] },
            { "id": "star", "names": ["wuzzle"] },
            { "id": "cross", "names": ["plinth"] },
            { "id": "heart", "names": ["grommet"] }
          ],
          "decision": { "mode": "single_label", "top_k": 1 }
        }
        """;

    public const int PerShape = 30;

    /// <summary>Renders, embeds and stores <paramref name="count"/> images, shapes in turn, each with a verified label.</summary>
    public static async Task StoreAsync(ClipModel model, ILabelStore store, string taxonomy, bool shuffleLabels, int count = 6 * PerShape)
    {
        var version = Inference.Taxonomies.StandardTaxonomies.Load(taxonomy).Version;
        var random = new Random(11);
        var images = new List<(string Uri, string Shape, byte[] Png)>();
        for (var i = 0; i < count; i++)
        {
            var shape = SyntheticWorld.Shapes[i % SyntheticWorld.Shapes.Count];
            var colour = SyntheticWorld.ColourNames[random.Next(SyntheticWorld.ColourNames.Count)];
            using var image = SyntheticWorld.Render(colour, shape, random);
            using var png = new MemoryStream();
            await image.SaveAsPngAsync(png);
            images.Add(($"synthetic://{shape}/{i}", shape, png.ToArray()));
        }

        var labels = images.Select(i => i.Shape).ToArray();
        if (shuffleLabels)
        {
            new Random(5).Shuffle(labels);
        }

        foreach (var chunk in images.Chunk(32))
        {
            var embeddings = model.EmbedImages([.. chunk.Select(c => c.Png)]);
            var outcomes = chunk.Select((c, i) => (ImageOutcome)new LabelledImage(
                c.Uri, "v1", c.Png.Length, SyntheticWorld.Size, SyntheticWorld.Size, model.ModelId, version, null, [], true, "not labelled in this test", new StageTimings(0, 0, 0))
            {
                Embedding = embeddings.Row(i).ToArray(),
            }).ToList();
            await store.WriteBatchAsync(outcomes);
        }

        for (var i = 0; i < images.Count; i++)
        {
            await store.AddFeedbackAsync(new FeedbackEntry(images[i].Uri, "v1", labels[i], version, "test", null));
        }
    }
}
