namespace Clip.Training.Tests;

public sealed class HeadTrainerTests
{
    private const float LogitScale = 100f;

    /// <summary>Small data needs more steps per epoch and a larger rate to undo a wrong start within the epoch budget.</summary>
    private static HeadTrainingOptions Quick => new() { LearningRate = 0.01, BatchSize = 32 };

    [Fact]
    public void Train_FromAWrongZeroShotStart_LearnsTheClusters()
    {
        var world = new SyntheticClusters(classes: 5, dimension: 16);
        var wrong = world.ShiftedCentres();
        var test = world.Sample(40, noise: 0.15f);

        var head = HeadTrainer.Train(world.Sample(40, 0.15f), world.Sample(10, 0.15f), wrong, LogitScale, world.Classes, world.Dimension, Quick);

        Assert.True(HeadEvaluation.Evaluate(wrong, new float[world.Classes], world.Classes, world.Dimension, test).Accuracy < 0.1);
        Assert.True(HeadEvaluation.Evaluate(head.Weights, head.Bias, world.Classes, world.Dimension, test).Accuracy > 0.95);
    }

    [Fact]
    public void Train_SameSeedTwice_GivesIdenticalWeights()
    {
        var world = new SyntheticClusters(classes: 4, dimension: 16);
        var training = world.Sample(30, 0.3f);
        var validation = world.Sample(10, 0.3f);
        var start = world.ShiftedCentres();
        var options = new HeadTrainingOptions { Seed = 5, BatchSize = 16, MaxEpochs = 20, LearningRate = 0.01 };

        var first = HeadTrainer.Train(training, validation, start, LogitScale, world.Classes, world.Dimension, options);
        var second = HeadTrainer.Train(training, validation, start, LogitScale, world.Classes, world.Dimension, options);
        var otherSeed = HeadTrainer.Train(training, validation, start, LogitScale, world.Classes, world.Dimension, new HeadTrainingOptions { Seed = 6, BatchSize = 16, MaxEpochs = 20, LearningRate = 0.01 });

        Assert.Equal(first.Weights, second.Weights);
        Assert.Equal(first.Bias, second.Bias);
        Assert.Equal(first.Epochs, second.Epochs);
        Assert.NotEqual(first.Weights, otherSeed.Weights);
    }

    [Fact]
    public void Train_TenToOneImbalancedOverlappingPair_ClassWeightsRaiseMinorityRecall()
    {
        var world = new SyntheticClusters(classes: 2, dimension: 8, seed: 3);
        var training = world.Sample(200, 0.9f).Where((e, i) => e.ClassIndex == 0 || i % 10 == 0).ToList();
        var validation = world.Sample(40, 0.9f).Where((e, i) => e.ClassIndex == 0 || i % 10 == 0).ToList();
        var test = world.Sample(500, 0.9f);
        var uninformed = new float[world.Classes * world.Dimension];

        var balanced = HeadTrainer.Train(training, validation, uninformed, LogitScale, 2, world.Dimension, new HeadTrainingOptions { BalanceClasses = true, LearningRate = 0.01, BatchSize = 32 });
        var unbalanced = HeadTrainer.Train(training, validation, uninformed, LogitScale, 2, world.Dimension, new HeadTrainingOptions { BalanceClasses = false, LearningRate = 0.01, BatchSize = 32 });
        var withWeights = HeadEvaluation.Evaluate(balanced.Weights, balanced.Bias, 2, world.Dimension, test);
        var without = HeadEvaluation.Evaluate(unbalanced.Weights, unbalanced.Bias, 2, world.Dimension, test);

        Assert.Equal(200, training.Count(e => e.ClassIndex == 0));
        Assert.Equal(20, training.Count(e => e.ClassIndex == 1));
        Assert.True(withWeights.PerClassRecall[1] > without.PerClassRecall[1] + 0.1, $"minority recall {withWeights.PerClassRecall[1]} with class weights, {without.PerClassRecall[1]} without");
        Assert.True(withWeights.MeanPerClassRecall > without.MeanPerClassRecall, $"mean per-class recall {withWeights.MeanPerClassRecall} with class weights, {without.MeanPerClassRecall} without");
    }

    [Fact]
    public void Train_EasyData_StopsEarly()
    {
        var world = new SyntheticClusters(classes: 3, dimension: 16);
        var start = world.ShiftedCentres();

        var head = HeadTrainer.Train(world.Sample(30, 0.1f), world.Sample(10, 0.1f), start, LogitScale, world.Classes, world.Dimension, new HeadTrainingOptions { MaxEpochs = 200, Patience = 5, LearningRate = 0.01, BatchSize = 32 });

        Assert.InRange(head.Epochs, 1, 199);
        Assert.True(double.IsFinite(head.BestValidationLoss));
    }

    [Fact]
    public void Train_WhenTrainingCannotBeatZeroShot_ReturnsTheZeroShotStart()
    {
        var world = new SyntheticClusters(classes: 3, dimension: 16);
        var start = world.Centres;

        // Learning rate zero: no epoch can improve on epoch 0, which is kept.
        var head = HeadTrainer.Train(world.Sample(10, 0.1f), world.Sample(5, 0.1f), start, LogitScale, world.Classes, world.Dimension, new HeadTrainingOptions { LearningRate = 1e-7, Patience = 3 });

        Assert.Equal(3, head.Epochs);
        Assert.Equal(SyntheticClusters.Scaled(start, LogitScale), head.Weights, (a, b) => Math.Abs(a - b) < 1e-3f);
        Assert.All(head.Bias, b => Assert.Equal(0f, b, 1e-3f));
    }

    [Fact]
    public void Train_WithSgd_AlsoLearns()
    {
        var world = new SyntheticClusters(classes: 4, dimension: 16);
        var start = world.ShiftedCentres();
        var test = world.Sample(30, 0.15f);

        var head = HeadTrainer.Train(world.Sample(30, 0.15f), world.Sample(10, 0.15f), start, LogitScale, world.Classes, world.Dimension, new HeadTrainingOptions { Optimizer = HeadOptimizer.Sgd, LearningRate = 1e-3, BatchSize = 32 });

        Assert.True(HeadEvaluation.Evaluate(head.Weights, head.Bias, world.Classes, world.Dimension, test).Accuracy > 0.9);
    }

    [Fact]
    public void ClassWeights_TenToOneWithAnAbsentClass_InverseFrequency()
    {
        var examples = Enumerable.Repeat(0, 10).Append(1).Select(c => new LabelledVector([1f], c)).ToList();

        var weights = HeadTrainer.ClassWeights(examples, classes: 3, balance: true);

        Assert.Equal(new[] { 0.55f, 5.5f, 1f }, weights, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    [Fact]
    public void Train_MismatchedInitialWeights_Throws()
    {
        var example = new LabelledVector([1f, 0f], 0);

        Assert.Throws<ArgumentException>(() => HeadTrainer.Train([example], [example], new float[3], LogitScale, classes: 2, dimension: 2));
    }

    [Fact]
    public void Workload_SmallShape_TrainsAHeadOfThatShape()
    {
        var head = HeadTrainingWorkload.Train(rows: 200, dimension: 32, classes: 10, options: new HeadTrainingOptions { MaxEpochs = 2, Patience = int.MaxValue });

        Assert.Equal(10 * 32, head.Weights.Length);
        Assert.Equal(10, head.Bias.Length);
        Assert.Equal(2, head.Epochs);
    }
}
