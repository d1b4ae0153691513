using System.Globalization;
using Clip.Labeling;
using Clip.Persistence;

namespace Clip.Cli.Commands;

/// <summary>What one run did, printed at the end.</summary>
internal sealed class LabelSummary
{
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);

    public int Processed { get; private set; }

    public int Failed { get; private set; }

    private int Labelled { get; set; }

    private int Abstained { get; set; }

    private int Skipped { get; set; }

    public void Skip()
    {
        Skipped++;
        Processed++;
    }

    public FailedImage Fail(FailedImage failure)
    {
        _failures[failure.Reason] = _failures.GetValueOrDefault(failure.Reason) + 1;
        Failed++;
        Processed++;
        return failure;
    }

    public void Label(LabelledImage image)
    {
        Labelled++;
        Processed++;
        if (!image.Abstained && image.Labels.Count > 0)
        {
            _labels[image.Labels[0].DisplayName] = _labels.GetValueOrDefault(image.Labels[0].DisplayName) + 1;
        }
        else
        {
            Abstained++;
        }
    }

    public void Print(TextWriter writer, LabelingEngine engine)
    {
        var taxonomy = engine.State.Taxonomy;
        writer.WriteLine($"model {engine.ModelId}, taxonomy {taxonomy.Name} ({taxonomy.Version}), head {engine.HeadVersion ?? "none (zero-shot)"}");
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"labelled {Labelled}, abstained {Abstained}, skipped (already labelled) {Skipped}, failed {Failed}"));
        foreach (var (label, count) in _labels.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {label,-30} {count,6}"));
        }

        foreach (var (reason, count) in _failures.OrderByDescending(p => p.Value))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  failed: {reason,-22} {count,6}"));
        }
    }
}
