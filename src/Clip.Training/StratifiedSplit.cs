using System.Globalization;

namespace Clip.Training;

/// <summary>
/// Splits labelled examples into training, validation and test sets class by class, so each class
/// keeps its share in every split; seeded, so the same labels and seed give the same split.
/// </summary>
public static class StratifiedSplit
{
    /// <summary>One example per split: fewer and a class cannot be both trained on and held out.</summary>
    public const int MinimumPerClass = 3;

    /// <param name="labels">The class index of each example; the split returns indices into this list.</param>
    /// <param name="validationFraction">Share of each class held out for validation (early stopping, α choice).</param>
    /// <param name="testFraction">Share of each class held out for the final evaluation; 0 holds out none (cross-validation's folds do the testing).</param>
    /// <param name="seed">Seeds the per-class shuffles.</param>
    /// <remarks>
    /// A class with at least <see cref="MinimumPerClass"/> examples gets at least one in each split.
    /// A class with fewer goes wholly to training and is reported in
    /// <see cref="SplitResult.ClassesTooSmallToHoldOut"/>: it is trained on but cannot be measured.
    /// </remarks>
    public static SplitResult Split(IReadOnlyList<int> labels, double validationFraction = 0.15, double testFraction = 0.15, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(validationFraction is > 0 and < 1) || !(testFraction is >= 0 and < 1) || validationFraction + testFraction >= 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(validationFraction),
                string.Create(CultureInfo.InvariantCulture, $"the validation ({validationFraction}) and test ({testFraction}) fractions must be positive and leave room for training"));
        }

        var random = new Random(seed);
        var training = new List<int>();
        var validation = new List<int>();
        var test = new List<int>();
        var tooSmall = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            if (members.Length < MinimumPerClass)
            {
                training.AddRange(members);
                tooSmall.Add(group.Key);
                continue;
            }

            random.Shuffle(members);
            var validationCount = Math.Max(1, (int)Math.Round(members.Length * validationFraction, MidpointRounding.AwayFromZero));
            var testCount = testFraction == 0 ? 0 : Math.Max(1, (int)Math.Round(members.Length * testFraction, MidpointRounding.AwayFromZero));
            if (validationCount + testCount >= members.Length)
            {
                validationCount = testFraction == 0 ? members.Length - 1 : (members.Length - 1) / 2;
                testCount = testFraction == 0 ? 0 : validationCount;
            }

            validation.AddRange(members.AsSpan(0, validationCount));
            test.AddRange(members.AsSpan(validationCount, testCount));
            training.AddRange(members.AsSpan(validationCount + testCount));
        }

        training.Sort();
        validation.Sort();
        test.Sort();
        return new SplitResult(training, validation, test, tooSmall);
    }

    /// <summary>
    /// Deals each class's examples, shuffled, round-robin into <paramref name="folds"/> folds, so every fold holds each
    /// class's share (±1). A class with fewer than <see cref="MinimumPerClass"/> examples gets fold −1: always trained
    /// on, never held out.
    /// </summary>
    /// <returns>Per example, its fold in [0, <paramref name="folds"/>), or −1.</returns>
    public static int[] Folds(IReadOnlyList<int> labels, int folds, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        var random = new Random(seed);
        var fold = new int[labels.Count];
        var next = 0;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var members = group.ToArray();
            if (members.Length < MinimumPerClass)
            {
                foreach (var member in members)
                {
                    fold[member] = -1;
                }

                continue;
            }

            // Each class starts where the last one stopped, so small classes do not all crowd the first folds.
            random.Shuffle(members);
            foreach (var member in members)
            {
                fold[member] = next;
                next = (next + 1) % folds;
            }
        }

        return fold;
    }
}

/// <summary>Indices into the labels given to <see cref="StratifiedSplit.Split"/>, ascending within each split.</summary>
/// <param name="Training">Examples to train on.</param>
/// <param name="Validation">Examples for early stopping and the α choice.</param>
/// <param name="Test">Examples for the final evaluation only.</param>
/// <param name="ClassesTooSmallToHoldOut">Classes with fewer than <see cref="StratifiedSplit.MinimumPerClass"/> examples: all in training, none held out.</param>
public sealed record SplitResult(IReadOnlyList<int> Training, IReadOnlyList<int> Validation, IReadOnlyList<int> Test, IReadOnlyList<int> ClassesTooSmallToHoldOut);
