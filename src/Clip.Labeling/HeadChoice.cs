namespace Clip.Labeling;

/// <summary>Which classifier head labels images: none, the promoted one, or a stored version.</summary>
public sealed record HeadChoice(HeadChoiceKind Kind, string? Version = null)
{
    public static HeadChoice ZeroShot { get; } = new(HeadChoiceKind.ZeroShot);

    public static HeadChoice Promoted { get; } = new(HeadChoiceKind.Promoted);

    /// <summary>Reads <c>zero-shot</c>, <c>promoted</c> or a head version, as <c>clip label --head</c> takes it.</summary>
    public static HeadChoice Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        return text switch
        {
            "zero-shot" => ZeroShot,
            "promoted" => Promoted,
            _ => new HeadChoice(HeadChoiceKind.Version, text),
        };
    }
}

public enum HeadChoiceKind
{
    /// <summary>The taxonomy's zero-shot class matrix alone.</summary>
    ZeroShot,

    /// <summary>The head promoted for the model and taxonomy, zero-shot when none is.</summary>
    Promoted,

    /// <summary>A stored head, by version.</summary>
    Version,
}
