using Clip.Persistence;

namespace Clip.Cli.Commands;

internal sealed record LabelOutput(string Source, string? Status, string? Label, double? Score, bool Abstained, string? Reason, IReadOnlyList<AssignedLabel>? Labels)
{
    public static LabelOutput From(ImageOutcome outcome) => outcome switch
    {
        LabelledImage l => new LabelOutput(l.SourceUri, "labelled", Top(l)?.LabelId, Top(l)?.Score, l.Abstained, l.AbstainReason, l.Labels),
        FailedImage f => new LabelOutput(f.SourceUri, "failed", null, null, false, $"{f.Reason}: {f.Detail}", null),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    private static AssignedLabel? Top(LabelledImage image) => image.Abstained || image.Labels.Count == 0 ? null : image.Labels[0];
}
