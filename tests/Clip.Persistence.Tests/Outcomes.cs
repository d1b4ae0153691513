namespace Clip.Persistence.Tests;

/// <summary>Builders for the outcomes the pipeline would hand to the store.</summary>
internal static class Outcomes
{
    public const string Model = "clip-workers/tiny-clip-v1";
    public const string Taxonomy = "sha256:taxonomy-a";

    public static LabelledImage Labelled(string source, string etag = "\"0x8DC\"", string? head = null, string model = Model, string taxonomy = Taxonomy, params string[] labels) =>
        new(
            source,
            etag,
            SizeBytes: 12_345,
            Width: 640,
            Height: 480,
            model,
            taxonomy,
            head,
            [.. labels.Select((label, i) => new AssignedLabel(label, $"a {label}", Score: 0.9 - (0.1 * i), Cosine: 0.31 - (0.01 * i), Probability: 0.8 / (i + 1), Rank: i + 1))],
            Abstained: false,
            AbstainReason: null,
            new StageTimings(DecodeMs: 1.5, EncodeMs: 7.25, TotalMs: 9.0));

    public static FailedImage Failed(string source, string? etag = "\"0x8DC\"", FailureStage stage = FailureStage.Decode, string reason = "not_an_image") =>
        new(source, etag, stage, reason, Detail: $"{reason} while {stage}");
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}
