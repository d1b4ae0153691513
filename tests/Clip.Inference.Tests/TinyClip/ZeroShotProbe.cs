using System.Numerics.Tensors;
using Clip.Inference.Encoders;

namespace Clip.Inference.Tests.TinyClip;

/// <summary>
/// The smallest zero-shot classifier that tests need: prompt-ensemble class embeddings
/// (embed, normalise, average, re-normalise) and argmax cosine similarity.
/// </summary>
public sealed class ZeroShotProbe
{
    private readonly IReadOnlyList<string> _classes;
    private readonly float[][] _classEmbeddings;

    public ZeroShotProbe(ClipModel model, IReadOnlyList<string> classes, IReadOnlyList<string> templates)
    {
        _classes = classes;
        _classEmbeddings = [.. classes.Select(name =>
        {
            var prompts = templates.Select(t => t.Replace("{}", name, StringComparison.Ordinal)).ToList();
            var embeddings = model.EmbedTexts(prompts);
            var mean = new float[embeddings.Dimension];
            for (var i = 0; i < embeddings.Count; i++)
            {
                TensorPrimitives.Add(mean, embeddings.Row(i), mean);
            }

            TensorPrimitives.Divide(mean, TensorPrimitives.Norm(mean), mean);
            return mean;
        })];
    }

    public string Classify(ReadOnlySpan<float> imageEmbedding)
    {
        var best = 0;
        var bestScore = float.NegativeInfinity;
        for (var c = 0; c < _classEmbeddings.Length; c++)
        {
            var score = TensorPrimitives.Dot(imageEmbedding, _classEmbeddings[c]);
            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }

        return _classes[best];
    }

    public double Accuracy(EmbeddingMatrix images, IReadOnlyList<string> truth)
    {
        var correct = 0;
        for (var i = 0; i < images.Count; i++)
        {
            correct += Classify(images.Row(i)) == truth[i] ? 1 : 0;
        }

        return (double)correct / images.Count;
    }
}
