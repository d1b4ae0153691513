using Clip.Inference.Taxonomies;

namespace Clip.Inference.ZeroShot;

/// <summary>Applies a taxonomy's decision policy to class scores. Thread-safe.</summary>
public sealed class LabelDecider
{
    private readonly Taxonomy _taxonomy;
    private readonly double[] _thresholds;

    public LabelDecider(Taxonomy taxonomy)
    {
        ArgumentNullException.ThrowIfNull(taxonomy);
        _taxonomy = taxonomy;
        // The loader guarantees a default threshold in multi-label mode wherever a class sets none.
        _thresholds = [.. taxonomy.Classes.Select(c => c.Threshold ?? taxonomy.Decision.DefaultThreshold ?? double.PositiveInfinity)];
    }

    public DecisionPolicy Policy => _taxonomy.Decision;

    public LabelDecision Decide(ClassScores scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (scores.TaxonomyVersion != _taxonomy.Version || scores.ClassIds.Count != _taxonomy.Classes.Count)
        {
            throw new ArgumentException($"scores are for taxonomy {scores.TaxonomyVersion}, not {_taxonomy.Name} ({_taxonomy.Version})", nameof(scores));
        }

        return Policy.Mode == DecisionMode.MultiLabel ? DecideMultiLabel(scores) : DecideSingleLabel(scores);
    }

    private LabelDecision DecideSingleLabel(ClassScores scores)
    {
        // Logits order classes exactly as probabilities do, without ties from softmax underflow.
        var order = Ranked(Enumerable.Range(0, scores.Logits.Count), scores.Logits);
        var labels = order.Take(Policy.TopK).Select((c, i) => Label(scores, c, i + 1, scores.Probabilities[c])).ToList();
        var top = scores.Probabilities[order[0]];
        var second = order.Count > 1 ? scores.Probabilities[order[1]] : 0f;
        var reason = top < Policy.AbstainBelowProbability ? AbstainReason.LowProbability
            : top - second < Policy.AbstainBelowMargin ? AbstainReason.SmallMargin
            : AbstainReason.None;
        return new LabelDecision(scores.ModelId, scores.TaxonomyVersion, scores.HeadVersion, labels, reason);
    }

    private LabelDecision DecideMultiLabel(ClassScores scores)
    {
        var passing = Enumerable.Range(0, scores.Cosines.Count).Where(c => scores.Cosines[c] >= _thresholds[c]);
        var labels = Ranked(passing, scores.Cosines).Select((c, i) => Label(scores, c, i + 1, scores.Cosines[c])).ToList();
        var reason = labels.Count == 0 ? AbstainReason.NoClassAboveThreshold : AbstainReason.None;
        return new LabelDecision(scores.ModelId, scores.TaxonomyVersion, scores.HeadVersion, labels, reason);
    }

    /// <summary>Class indices by descending value; ties keep the taxonomy's order.</summary>
    private static List<int> Ranked(IEnumerable<int> classes, IReadOnlyList<float> values) =>
        [.. classes.OrderByDescending(c => values[c]).ThenBy(c => c)];

    private RankedLabel Label(ClassScores scores, int c, int rank, float score)
    {
        var cls = _taxonomy.Classes[c];
        return new RankedLabel(cls.Id, cls.DisplayName, rank, score, scores.Cosines[c], scores.Probabilities[c]);
    }
}
