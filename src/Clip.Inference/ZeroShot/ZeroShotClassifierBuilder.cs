using System.Globalization;
using System.Numerics.Tensors;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;

namespace Clip.Inference.ZeroShot;

/// <summary>
/// Builds the zero-shot class matrix of a taxonomy as in the CLIP paper's prompt ensembling: embed
/// every (template × name) prompt of a class, L2-normalise each, average, re-normalise. A function
/// of its inputs only; prompts of many classes share batches.
/// </summary>
public static class ZeroShotClassifierBuilder
{
    public const int DefaultBatchSize = 256;

    /// <summary>Builds with a loaded model's tokenizer and text tower.</summary>
    public static ClassMatrix Build(ClipModel model, Taxonomy taxonomy, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(taxonomy, model.ModelId, model.EmbedTexts, batchSize);
    }

    /// <param name="taxonomy">Classes, names and templates.</param>
    /// <param name="modelId">Recorded in the matrix; must identify what <paramref name="embedPrompts"/> runs.</param>
    /// <param name="embedPrompts">Embeds a batch of prompts, one row each, in order.</param>
    /// <param name="batchSize">Most prompts passed to one call of <paramref name="embedPrompts"/>.</param>
    public static ClassMatrix Build(
        Taxonomy taxonomy,
        string modelId,
        Func<IReadOnlyList<string>, EmbeddingMatrix> embedPrompts,
        int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(taxonomy);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(embedPrompts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);

        var prompts = new List<string>();
        var owners = new List<int>();
        for (var c = 0; c < taxonomy.Classes.Count; c++)
        {
            foreach (var prompt in taxonomy.Classes[c].Prompts())
            {
                prompts.Add(prompt);
                owners.Add(c);
            }
        }

        float[]? sums = null;
        var dimension = 0;
        for (var start = 0; start < prompts.Count; start += batchSize)
        {
            var batch = prompts.GetRange(start, Math.Min(batchSize, prompts.Count - start));
            var embeddings = embedPrompts(batch);
            if (embeddings.Count != batch.Count || (sums is not null && embeddings.Dimension != dimension))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the prompt embedder returned {embeddings.Count}×{embeddings.Dimension} for {batch.Count} prompts (expected width {(sums is null ? embeddings.Dimension : dimension)})"));
            }

            if (sums is null)
            {
                dimension = embeddings.Dimension;
                sums = new float[taxonomy.Classes.Count * dimension];
            }

            for (var i = 0; i < batch.Count; i++)
            {
                var sum = sums.AsSpan(owners[start + i] * dimension, dimension);
                TensorPrimitives.Add(sum, embeddings.Row(i), sum);
            }
        }

        // Every class has at least one prompt (the loader guarantees names and templates), so sums is set.
        var values = sums ?? throw new InvalidOperationException("taxonomy has no prompts");
        for (var c = 0; c < taxonomy.Classes.Count; c++)
        {
            // Dividing by the prompt count is dropped: re-normalising the sum gives the same direction.
            EmbeddingMatrix.NormaliseInPlace(values.AsSpan(c * dimension, dimension));
        }

        return new ClassMatrix(modelId, taxonomy.Version, [.. taxonomy.Classes.Select(c => c.Id)], values, dimension);
    }
}
