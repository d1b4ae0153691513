namespace Clip.Inference.ZeroShot;

/// <summary>One image's scores for every class, in the class matrix's order.</summary>
/// <param name="ModelId">The model that embedded the image and the prompts.</param>
/// <param name="TaxonomyVersion">The taxonomy the classes come from.</param>
/// <param name="ClassIds">Class ids, the order of every list here.</param>
/// <param name="Cosines">Cosine similarity of the image with each class's zero-shot text embedding.</param>
/// <param name="Logits">Classifier logits: logit scale × cosine for pure zero-shot, else the mixed head's.</param>
/// <param name="Probabilities">Softmax of the logits over the classes.</param>
/// <param name="HeadVersion">The trained head mixed in, or null for pure zero-shot.</param>
/// <param name="HeadWeight">The head's weight α in the mix (0 without a head).</param>
public sealed record ClassScores(
    string ModelId,
    string TaxonomyVersion,
    string? HeadVersion,
    float HeadWeight,
    IReadOnlyList<string> ClassIds,
    IReadOnlyList<float> Cosines,
    IReadOnlyList<float> Logits,
    IReadOnlyList<float> Probabilities);
