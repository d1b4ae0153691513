using System.Globalization;

namespace Clip.Training.Promotion;

/// <summary>
/// How much better a candidate classifier is than a reference on the same held-out examples: the top-1 gain and an
/// exact interval around it. Both are scored on the same images, so only the images on which they disagree carry
/// evidence: given <c>d</c> disagreements, the number the candidate wins is binomial, and McNemar's exact test asks
/// whether its share differs from one half. The interval is that test's: the Clopper–Pearson interval on the share,
/// turned into points of top-1 (<c>gain = (2·share − 1)·d / n</c>). Forty images with one disagreement say almost
/// nothing, and the interval shows it.
/// </summary>
/// <param name="Examples">Held-out examples both were scored on.</param>
/// <param name="CandidateOnlyRight">Examples the candidate got right and the reference wrong.</param>
/// <param name="ReferenceOnlyRight">Examples the reference got right and the candidate wrong.</param>
/// <param name="Gain">Candidate top-1 minus reference top-1 (0.025 = 2.5 points).</param>
/// <param name="Lower">Lower end of the interval on <paramref name="Gain"/>.</param>
/// <param name="Upper">Upper end of the interval on <paramref name="Gain"/>.</param>
/// <param name="Confidence">The interval's coverage, e.g. 0.95.</param>
public sealed record PairedComparison(int Examples, int CandidateOnlyRight, int ReferenceOnlyRight, double Gain, double Lower, double Upper, double Confidence)
{
    /// <summary>Compares paired right/wrong outcomes.</summary>
    /// <param name="candidate">Per example, whether the candidate got it right.</param>
    /// <param name="reference">Per example, in the same order, whether the reference got it right.</param>
    /// <param name="confidence">Coverage of the interval, between 0.5 and 0.999.</param>
    public static PairedComparison Compare(IReadOnlyList<bool> candidate, IReadOnlyList<bool> reference, double confidence)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(reference);
        if (candidate.Count != reference.Count || candidate.Count == 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"both need the same, non-zero number of outcomes; got {candidate.Count} and {reference.Count}"));
        }

        if (confidence is not (>= 0.5 and <= 0.999))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "the confidence must be between 0.5 and 0.999");
        }

        var n = candidate.Count;
        var candidateOnly = 0;
        var referenceOnly = 0;
        for (var i = 0; i < n; i++)
        {
            if (candidate[i] && !reference[i])
            {
                candidateOnly++;
            }
            else if (reference[i] && !candidate[i])
            {
                referenceOnly++;
            }
        }

        var discordant = candidateOnly + referenceOnly;
        var gain = (double)(candidateOnly - referenceOnly) / n;
        if (discordant == 0)
        {
            return new PairedComparison(n, 0, 0, 0, 0, 0, confidence);
        }

        var (low, high) = ClopperPearson(candidateOnly, discordant, 1 - confidence);
        var scale = (double)discordant / n;
        return new PairedComparison(n, candidateOnly, referenceOnly, gain, ((2 * low) - 1) * scale, ((2 * high) - 1) * scale, confidence);
    }

    /// <summary>"gain +2.5 points, 95 % interval −7.5 to +12.5 (…)".</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"gain {Points(Gain)} points, {Confidence * 100:0.#} % interval {Points(Lower)} to {Points(Upper)} ({Examples} held-out, {CandidateOnlyRight} only the candidate got right, {ReferenceOnlyRight} only the other)");

    internal static string Points(double fraction)
    {
        var points = Math.Round(fraction * 100, 1);
        return points switch
        {
            > 0 => string.Create(CultureInfo.InvariantCulture, $"+{points:0.0}"),
            < 0 => string.Create(CultureInfo.InvariantCulture, $"\u2212{-points:0.0}"),
            _ => "0.0",
        };
    }

    /// <summary>The exact two-sided interval on a binomial share with <paramref name="successes"/> of <paramref name="trials"/>.</summary>
    internal static (double Low, double High) ClopperPearson(int successes, int trials, double alpha)
    {
        var logFactorial = new double[trials + 1];
        for (var k = 2; k <= trials; k++)
        {
            logFactorial[k] = logFactorial[k - 1] + Math.Log(k);
        }

        // P(X ≥ successes) rises with p; P(X ≤ successes) falls: each end is where its tail is α/2.
        var low = successes == 0 ? 0 : Bisect(p => 1 - Cdf(successes - 1, p) - (alpha / 2), increasing: true);
        var high = successes == trials ? 1 : Bisect(p => Cdf(successes, p) - (alpha / 2), increasing: false);
        return (low, high);

        double Cdf(int atMost, double p)
        {
            var (logP, logQ) = (Math.Log(p), Math.Log(1 - p));
            var sum = 0.0;
            for (var k = 0; k <= atMost; k++)
            {
                sum += Math.Exp(logFactorial[trials] - logFactorial[k] - logFactorial[trials - k] + (k * logP) + ((trials - k) * logQ));
            }

            return Math.Min(sum, 1);
        }
    }

    private static double Bisect(Func<double, double> f, bool increasing)
    {
        var (lo, hi) = (1e-12, 1 - 1e-12);
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if ((f(mid) < 0) == increasing)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return (lo + hi) / 2;
    }
}
