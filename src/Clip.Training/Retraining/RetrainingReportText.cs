using System.Globalization;
using System.Text;

namespace Clip.Training.Retraining;

/// <summary>A retraining report as the few lines a person reads in a job log or a terminal.</summary>
public static class RetrainingReportText
{
    public static string Format(RetrainingReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        var outcome = report.Outcome switch
        {
            RetrainingOutcome.Promoted => "promoted",
            RetrainingOutcome.Kept => "kept the current classifier",
            _ => "not enough data",
        };
        text.AppendLine(invariant, $"retraining {outcome}: {report.Reason}");
        text.AppendLine(invariant, $"model {report.ModelId}, taxonomy {report.TaxonomyVersion}");
        if (report.Outcome == RetrainingOutcome.NotEnoughData)
        {
            AppendWarnings(text, report);
            return text.ToString();
        }

        text.AppendLine(invariant, $"candidate {report.CandidateVersion} (alpha {report.Alpha:0.0}), previously promoted: {report.PreviousVersion ?? "none (zero-shot)"}");
        if (report.Decision is { Method: var method } && method.Contains("cross-validation", StringComparison.Ordinal))
        {
            text.AppendLine(invariant, $"examples {report.Examples}: {method}, {report.TestExamples} held out once each; the kept head trained on {report.TrainingExamples}, validation {report.ValidationExamples}");
        }
        else
        {
            text.AppendLine(invariant, $"examples {report.Examples}: train {report.TrainingExamples}, validation {report.ValidationExamples}, test {report.TestExamples}");
        }
        if (report.Decision is { } decision)
        {
            text.AppendLine(invariant, $"candidate vs {decision.Reference}: {decision.Evidence}");
        }

        text.AppendLine("                 top-1   mean per-class recall (held-out images)");
        Row(text, "zero-shot", report.ZeroShot);
        Row(text, "promoted head", report.Current);
        Row(text, "candidate", report.Candidate);
        text.AppendLine("class            train  zero-shot  promoted  candidate");
        foreach (var change in report.Classes)
        {
            text.AppendLine(invariant, $"{change.ClassId,-16} {change.TrainingExamples,5}  {Percent(change.ZeroShot),9}  {Percent(change.Current),8}  {Percent(change.Candidate),9}");
        }

        AppendWarnings(text, report);
        return text.ToString();
    }

    private static void Row(StringBuilder text, string name, SplitScore? score)
    {
        if (score is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{name,-16} {score.Accuracy,6:P1}   {score.MeanPerClassRecall:P1}");
        }
    }

    private static void AppendWarnings(StringBuilder text, RetrainingReport report)
    {
        if (report.ClassesWithoutEnoughData.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"too little data (trained on, not measured): {string.Join(", ", report.ClassesWithoutEnoughData)}");
        }

        if (report.UnknownLabels.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"feedback labels not in the taxonomy (skipped): {string.Join(", ", report.UnknownLabels)}");
        }
    }

    private static string Percent(double? value) => value is { } v ? v.ToString("P0", CultureInfo.InvariantCulture) : "-";
}
