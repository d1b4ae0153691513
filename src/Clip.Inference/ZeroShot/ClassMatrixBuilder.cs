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
public static class ClassMatrixBuilder
{
    public const int DefaultBatchSize = 256;

    /// <summary>
    /// Builds with a loaded model's tokenizer and text tower; when the tower pads to the longest prompt of a batch,
    /// prompts of similar token length share a batch.
    /// </summary>
    public static ClassMatrix Build(ClipModel model, Taxonomy taxonomy, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(taxonomy);
        var (prompts, owners) = Prompts(taxonomy);
        var sequences = prompts.ConvertAll(model.TokenizeText);
        return BuildInBatches(
            taxonomy,
            model.ModelId,
            owners,
            model.TextEncoder.Batches(sequences, batchSize),
            batch => model.TextEncoder.Encode([.. batch.Select(i => sequences[i])]));
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
        var (prompts, owners) = Prompts(taxonomy);
        return BuildInBatches(
            taxonomy,
            modelId,
            owners,
            Enumerable.Range(0, prompts.Count).Chunk(batchSize),
            batch => embedPrompts([.. batch.Select(i => prompts[i])]));
    }

    /// <summary>Every prompt of the taxonomy and the index of the class it belongs to.</summary>
    private static (List<string> Prompts, List<int> Owners) Prompts(Taxonomy taxonomy)
    {
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

        return (prompts, owners);
    }

    /// <summary>
    /// Embeds each batch (indices of prompts, each prompt in one batch) with <paramref name="embedBatch"/>, one row per
    /// index in the batch's order, and adds every row to the class at its prompt's index in <paramref name="owners"/>.
    /// </summary>
    private static ClassMatrix BuildInBatches(
        Taxonomy taxonomy, string modelId, List<int> owners, IEnumerable<int[]> batches, Func<int[], EmbeddingMatrix> embedBatch)
    {
        float[]? sums = null;
        var dimension = 0;
        foreach (var batch in batches)
        {
            var embeddings = embedBatch(batch);
            if (embeddings.Count != batch.Length || (sums is not null && embeddings.Dimension != dimension))
            {
                throw new InvalidOperationException(string.Create(
                    CultureInfo.InvariantCulture,
                    $"the prompt embedder returned {embeddings.Count}×{embeddings.Dimension} for {batch.Length} prompts (expected width {(sums is null ? embeddings.Dimension : dimension)})"));
            }

            if (sums is null)
            {
                dimension = embeddings.Dimension;
                sums = new float[taxonomy.Classes.Count * dimension];
            }

            for (var i = 0; i < batch.Length; i++)
            {
                var sum = sums.AsSpan(owners[batch[i]] * dimension, dimension);
                TensorPrimitives.Add(sum, embeddings.Row(i), sum);
            }
        }

        // Every class has at least one prompt (the loader guarantees names and templates), so sums is set.
        var values = sums ?? throw new InvalidOperationException("taxonomy has no prompts");
        for (var c = 0; c < taxonomy.Classes.Count; c++)
        {
            // Dividing by the prompt count is dropped: re-normalising the sum gives the same direction.
            EmbeddingMatrix.TryNormaliseInPlace(values.AsSpan(c * dimension, dimension));
        }

        return new ClassMatrix(modelId, taxonomy.Version, [.. taxonomy.Classes.Select(c => c.Id)], values, dimension);
    }
}
