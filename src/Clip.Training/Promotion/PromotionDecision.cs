using System.Globalization;

namespace Clip.Training.Promotion;

/// <summary>
/// Whether a candidate head replaces what labels today: only when the lower end of the interval on its gain over the
/// best of zero-shot and the promoted head clears the promotion margin.
/// </summary>
/// <param name="Promote">Whether the candidate is promoted.</param>
/// <param name="Reference">What it was compared with: <c>zero-shot</c> or the promoted head's version.</param>
/// <param name="Evidence">The paired comparison with <paramref name="Reference"/>.</param>
/// <param name="Margin">The gain the interval's lower end must clear (0.02 = two points).</param>
/// <param name="Method">How the held-out outcomes were obtained, e.g. "5-fold cross-validation".</param>
/// <param name="Reason">One sentence: the estimate, its interval, and the decision with its cause.</param>
public sealed record PromotionDecision(bool Promote, string Reference, PairedComparison Evidence, double Margin, string Method, string Reason)
{
    public static PromotionDecision Decide(PairedComparison evidence, string reference, double margin, string method)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        var promote = evidence.Lower > margin;
        var why = promote
            ? string.Create(CultureInfo.InvariantCulture, $"promoted, the interval clears the {margin * 100:0.0}-point margin")
            : evidence.Lower <= 0
                ? "not promoted, not significant"
                : string.Create(CultureInfo.InvariantCulture, $"not promoted, the interval's lower end {PairedComparison.Points(evidence.Lower)} does not clear the {margin * 100:0.0}-point margin");
        var reason = string.Create(
            CultureInfo.InvariantCulture,
            $"gain {PairedComparison.Points(evidence.Gain)} points over {reference}, {evidence.Confidence * 100:0.#} % interval " +
            $"{PairedComparison.Points(evidence.Lower)} to {PairedComparison.Points(evidence.Upper)} ({method}, {evidence.Examples} held-out images): {why}");
        return new PromotionDecision(promote, reference, evidence, margin, method, reason);
    }
}
