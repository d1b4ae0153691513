using Clip.Inference.Taxonomies;
using Clip.Inference.Tests.Taxonomies;
using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class LabelDeciderTests
{
    /// <summary>Scores with the given probabilities (logits their logarithms) and cosines.</summary>
    private static ClassScores Scores(Taxonomy taxonomy, float[] probabilities, float[]? cosines = null, string? head = null) =>
        new("m", taxonomy.Version, head, head is null ? 0f : 1f,
            [.. taxonomy.Classes.Select(c => c.Id)],
            cosines ?? new float[probabilities.Length],
            [.. probabilities.Select(p => MathF.Log(p))],
            probabilities);

    [Fact]
    public void Decide_SingleLabel_RanksTopKByProbability()
    {
        var taxonomy = TaxonomyJson.Classes("{'top_k': 3}", "a", "b", "c", "d");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.1f, 0.4f, 0.2f, 0.3f], [0.1f, 0.2f, 0.3f, 0.4f]));

        Assert.False(decision.Abstained);
        Assert.Equal(["b", "d", "c"], decision.Labels.Select(l => l.ClassId));
        Assert.Equal([1, 2, 3], decision.Labels.Select(l => l.Rank));
        Assert.Equal([0.4f, 0.3f, 0.2f], decision.Labels.Select(l => l.Score));
        Assert.Equal([0.2f, 0.4f, 0.3f], decision.Labels.Select(l => l.Cosine));
        Assert.Equal("b", decision.Top?.ClassId);
    }

    [Fact]
    public void Decide_SingleLabelTies_KeepTheTaxonomysOrder()
    {
        var taxonomy = TaxonomyJson.Classes("{'top_k': 3}", "a", "b", "c");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.25f, 0.5f, 0.25f]));

        Assert.Equal(["b", "a", "c"], decision.Labels.Select(l => l.ClassId));
    }

    [Fact]
    public void Decide_TopKAboveClassCount_ListsEveryClass()
    {
        var taxonomy = TaxonomyJson.Classes("{'top_k': 10}", "a", "b");

        Assert.Equal(2, new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.3f, 0.7f])).Labels.Count);
    }

    [Fact]
    public void Decide_TopProbabilityBelowFloor_AbstainsForLowProbabilityKeepingCandidates()
    {
        var taxonomy = TaxonomyJson.Classes("{'top_k': 2, 'abstain_below_probability': 0.6}", "a", "b", "c");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.25f, 0.2f, 0.55f]));

        Assert.True(decision.Abstained);
        Assert.Equal(AbstainReason.LowProbability, decision.AbstainReason);
        Assert.Equal("low probability", decision.AbstainDescription);
        Assert.Null(decision.Top);
        Assert.Equal(["c", "a"], decision.Labels.Select(l => l.ClassId));
    }

    [Fact]
    public void Decide_TopTwoCloserThanMargin_AbstainsForSmallMargin()
    {
        var taxonomy = TaxonomyJson.Classes("{'abstain_below_probability': 0.3, 'abstain_below_margin': 0.1}", "a", "b", "c");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.45f, 0.40f, 0.15f]));

        Assert.Equal(AbstainReason.SmallMargin, decision.AbstainReason);
        Assert.Equal("small margin", decision.AbstainDescription);
    }

    [Fact]
    public void Decide_ConfidentEnough_DoesNotAbstain()
    {
        var taxonomy = TaxonomyJson.Classes("{'abstain_below_probability': 0.3, 'abstain_below_margin': 0.1}", "a", "b", "c");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.55f, 0.40f, 0.05f]));

        Assert.Equal(AbstainReason.None, decision.AbstainReason);
        Assert.Null(decision.AbstainDescription);
        Assert.Equal("a", decision.Top?.ClassId);
    }

    [Fact]
    public void Decide_MultiLabel_GivesEveryClassAtOrAboveItsOwnOrTheDefaultThreshold()
    {
        var taxonomy = TaxonomyJson.Parse("""
            {'name': 't', 'templates': ['{}'],
             'classes': [{'id': 'a', 'names': ['a'], 'threshold': 0.3}, {'id': 'b', 'names': ['b']},
                         {'id': 'c', 'names': ['c'], 'threshold': 0.5}, {'id': 'd', 'names': ['d']}],
             'decision': {'mode': 'multi_label', 'default_threshold': 0.25}}
            """);

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.1f, 0.2f, 0.3f, 0.4f], [0.35f, 0.4f, 0.45f, 0.2f]));

        Assert.False(decision.Abstained);
        Assert.Equal(["b", "a"], decision.Labels.Select(l => l.ClassId));
        Assert.Equal([0.4f, 0.35f], decision.Labels.Select(l => l.Score));
        Assert.Equal([0.2f, 0.1f], decision.Labels.Select(l => l.Probability));
    }

    [Fact]
    public void Decide_MultiLabelCosineEqualToThreshold_Passes()
    {
        var taxonomy = TaxonomyJson.Classes("{'mode': 'multi_label', 'default_threshold': 0.25}", "a");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [1f], [0.25f]));

        Assert.Equal("a", decision.Top?.ClassId);
    }

    [Fact]
    public void Decide_MultiLabelNothingPasses_AbstainsWithNoLabels()
    {
        var taxonomy = TaxonomyJson.Classes("{'mode': 'multi_label', 'default_threshold': 0.5}", "a", "b");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.5f, 0.5f], [0.2f, 0.3f]));

        Assert.Equal(AbstainReason.NoClassAboveThreshold, decision.AbstainReason);
        Assert.Equal("no class above threshold", decision.AbstainDescription);
        Assert.Empty(decision.Labels);
    }

    [Fact]
    public void Decide_RecordsModelTaxonomyAndHeadVersions()
    {
        var taxonomy = TaxonomyJson.Classes("{}", "a", "b");

        var decision = new LabelDecider(taxonomy).Decide(Scores(taxonomy, [0.3f, 0.7f], head: "head-7"));

        Assert.Equal(("m", taxonomy.Version, "head-7"), (decision.ModelId, decision.TaxonomyVersion, decision.HeadVersion));
    }

    [Fact]
    public void Decide_ScoresOfAnotherTaxonomy_Throws()
    {
        var taxonomy = TaxonomyJson.Classes("{}", "a", "b");
        var other = TaxonomyJson.Classes("{}", "a", "c");

        Assert.Throws<ArgumentException>(() => new LabelDecider(taxonomy).Decide(Scores(other, [0.3f, 0.7f])));
    }
}
