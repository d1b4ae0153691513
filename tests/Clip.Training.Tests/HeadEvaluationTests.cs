namespace Clip.Training.Tests;

public sealed class HeadEvaluationTests
{
    [Fact]
    public void Evaluate_HandWorkedExample_AccuracyAndRecalls()
    {
        // Rows: class 0 = +x, class 1 = +y, class 2 = −x with bias 0.5; class 2 has no examples.
        float[] weights = [1, 0, 0, 1, -1, 0];
        float[] bias = [0, 0, 0.5f];
        LabelledVector[] examples =
        [
            new([1, 0], 0),  // logits 1, 0, −0.5  → 0 ✓
            new([-1, 0], 0), // logits −1, 0, 1.5  → 2 ✗
            new([0, 1], 1),  // logits 0, 1, 0.5   → 1 ✓
        ];

        var evaluation = HeadEvaluation.Evaluate(weights, bias, classes: 3, dimension: 2, examples);

        Assert.Equal(3, evaluation.Examples);
        Assert.Equal(2.0 / 3, evaluation.Accuracy, 12);
        Assert.Equal(new double?[] { 0.5, 1.0, null }, evaluation.PerClassRecall);
        Assert.Equal(0.75, evaluation.MeanPerClassRecall, 12);
    }

    [Fact]
    public void Evaluate_TiedLogits_LowerClassWins()
    {
        var evaluation = HeadEvaluation.Evaluate([1, 1], [0, 0], classes: 2, dimension: 1, [new LabelledVector([1], 0)]);

        Assert.Equal(1.0, evaluation.Accuracy);
    }

    [Fact]
    public void Evaluate_NoExamples_ReportsNaNAndNoRecalls()
    {
        var evaluation = HeadEvaluation.Evaluate([1, 0], [0], classes: 1, dimension: 2, []);

        Assert.True(double.IsNaN(evaluation.Accuracy));
        Assert.True(double.IsNaN(evaluation.MeanPerClassRecall));
        Assert.Equal(new double?[] { null }, evaluation.PerClassRecall);
    }
}
