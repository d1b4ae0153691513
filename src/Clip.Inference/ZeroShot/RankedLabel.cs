namespace Clip.Inference.ZeroShot;

/// <summary>One class in a decision, ranked from 1.</summary>
/// <param name="ClassId">The taxonomy's class id.</param>
/// <param name="DisplayName">The class's name for people.</param>
/// <param name="Rank">1 for the top label.</param>
/// <param name="Score">The score the decision ranked by: the probability in single-label mode, the cosine in multi-label mode.</param>
/// <param name="Cosine">Cosine similarity with the class's zero-shot text embedding.</param>
/// <param name="Probability">Softmax probability over all classes.</param>
public sealed record RankedLabel(string ClassId, string DisplayName, int Rank, float Score, float Cosine, float Probability);
