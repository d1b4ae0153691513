namespace Clip.Training.Tests;

public sealed class StratifiedSplitTests
{
    private static readonly int[] Labels = [.. Enumerable.Repeat(0, 100).Concat(Enumerable.Repeat(1, 20)).Concat(Enumerable.Repeat(2, 2)).Concat(Enumerable.Repeat(3, 3))];

    [Fact]
    public void Split_EveryClass_KeepsItsShareInEverySplit()
    {
        var split = StratifiedSplit.Split(Labels, validationFraction: 0.15, testFraction: 0.15, seed: 1);

        int Count(IReadOnlyList<int> indices, int label) => indices.Count(i => Labels[i] == label);
        Assert.Equal((70, 15, 15), (Count(split.Training, 0), Count(split.Validation, 0), Count(split.Test, 0)));
        Assert.Equal((14, 3, 3), (Count(split.Training, 1), Count(split.Validation, 1), Count(split.Test, 1)));
        Assert.Equal((1, 1, 1), (Count(split.Training, 3), Count(split.Validation, 3), Count(split.Test, 3)));
    }

    [Fact]
    public void Split_AnyLabels_PartitionsEveryExampleExactlyOnce()
    {
        var split = StratifiedSplit.Split(Labels, seed: 9);

        Assert.Equal(Enumerable.Range(0, Labels.Length), split.Training.Concat(split.Validation).Concat(split.Test).Order());
    }

    [Fact]
    public void Split_ClassWithTwoExamples_ReportedAndKeptForTraining()
    {
        var split = StratifiedSplit.Split(Labels, seed: 1);

        Assert.Equal(new[] { 2 }, split.ClassesTooSmallToHoldOut);
        Assert.Equal(2, split.Training.Count(i => Labels[i] == 2));
        Assert.DoesNotContain(split.Validation.Concat(split.Test), i => Labels[i] == 2);
    }

    [Fact]
    public void Split_NoTestFraction_HoldsOutValidationOnly()
    {
        var split = StratifiedSplit.Split(Labels, validationFraction: 0.2, testFraction: 0, seed: 1);

        Assert.Empty(split.Test);
        Assert.NotEmpty(split.Validation);
        Assert.Equal(Labels.Length, split.Training.Count + split.Validation.Count);
    }

    [Fact]
    public void Folds_EveryClass_SpreadsEvenlyAndSmallClassesAreNeverHeldOut()
    {
        var labels = Enumerable.Range(0, 102).Select(i => i < 100 ? i % 4 : 9).ToArray();

        var folds = StratifiedSplit.Folds(labels, folds: 5, seed: 3);

        Assert.Equal([-1, -1], folds[100..]);
        foreach (var group in Enumerable.Range(0, 100).GroupBy(i => labels[i]))
        {
            var perFold = Enumerable.Range(0, 5).Select(f => group.Count(i => folds[i] == f)).ToList();
            Assert.Equal(25, perFold.Sum());
            Assert.InRange(perFold.Max() - perFold.Min(), 0, 1);
        }

        Assert.Equal(folds, StratifiedSplit.Folds(labels, folds: 5, seed: 3));
    }

    [Fact]
    public void Split_SameSeed_SameSplit_OtherSeed_Different()
    {
        var first = StratifiedSplit.Split(Labels, seed: 4);
        var second = StratifiedSplit.Split(Labels, seed: 4);
        var other = StratifiedSplit.Split(Labels, seed: 5);

        Assert.Equal(first.Validation, second.Validation);
        Assert.Equal(first.Test, second.Test);
        Assert.NotEqual(first.Validation, other.Validation);
    }

    [Fact]
    public void Split_FractionsLeavingNoTraining_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StratifiedSplit.Split(Labels, validationFraction: 0.5, testFraction: 0.5));
    }
}
