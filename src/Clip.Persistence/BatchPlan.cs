namespace Clip.Persistence;

internal readonly record struct ImageKey(string SourceUri, string EtagOrHash) : IComparable<ImageKey>
{
    public int CompareTo(ImageKey other)
    {
        var bySource = string.CompareOrdinal(SourceUri, other.SourceUri);
        return bySource != 0 ? bySource : string.CompareOrdinal(EtagOrHash, other.EtagOrHash);
    }
}

internal sealed record ImageWrite(long? SizeBytes, int? Width, int? Height, bool Labelled);

/// <summary>
/// A validated batch in write order: each image once, sorted (a stable lock order across writers); each run once,
/// the last outcome for a key winning; failures as given.
/// </summary>
internal sealed class BatchPlan
{
    private BatchPlan(SortedDictionary<ImageKey, ImageWrite> images, List<LabelledImage> runs, List<FailedImage> failures)
    {
        Images = images;
        Runs = runs;
        Failures = failures;
    }

    public IReadOnlyDictionary<ImageKey, ImageWrite> Images { get; }

    public IReadOnlyList<LabelledImage> Runs { get; }

    public IReadOnlyList<FailedImage> Failures { get; }

    public static BatchPlan Create(IReadOnlyList<ImageOutcome> outcomes)
    {
        var images = new SortedDictionary<ImageKey, ImageWrite>();
        var runs = new Dictionary<(ImageKey Image, string ModelId, string TaxonomyVersion, string HeadKey), LabelledImage>();
        var failures = new List<FailedImage>();
        for (var i = 0; i < outcomes.Count; i++)
        {
            switch (outcomes[i])
            {
                case LabelledImage labelled:
                    ThrowIfInvalid(Problem(labelled), i, nameof(outcomes));
                    var key = new ImageKey(labelled.SourceUri, labelled.EtagOrHash);
                    images[key] = new ImageWrite(labelled.SizeBytes, labelled.Width, labelled.Height, Labelled: true);
                    runs[(key, labelled.ModelId, labelled.TaxonomyVersion, labelled.HeadVersion ?? string.Empty)] = labelled;
                    break;
                case FailedImage failed:
                    ThrowIfInvalid(Problem(failed), i, nameof(outcomes));
                    failures.Add(failed);
                    if (failed.EtagOrHash is not null)
                    {
                        images.TryAdd(new ImageKey(failed.SourceUri, failed.EtagOrHash), new ImageWrite(null, null, null, Labelled: false));
                    }

                    break;
                case null:
                    throw new ArgumentException($"Outcome {i} is null.", nameof(outcomes));
                default:
                    throw new ArgumentException($"Outcome {i} is a {outcomes[i].GetType().Name}, neither labelled nor failed.", nameof(outcomes));
            }
        }

        var ordered = runs.OrderBy(r => r.Key.Image)
            .ThenBy(r => r.Key.ModelId, StringComparer.Ordinal)
            .ThenBy(r => r.Key.TaxonomyVersion, StringComparer.Ordinal)
            .ThenBy(r => r.Key.HeadKey, StringComparer.Ordinal)
            .Select(r => r.Value)
            .ToList();
        return new BatchPlan(images, ordered, failures);
    }

    private static void ThrowIfInvalid(string? problem, int index, string paramName)
    {
        if (problem is not null)
        {
            throw new ArgumentException($"Outcome {index} {problem}.", paramName);
        }
    }

    private static string? Problem(LabelledImage image)
    {
        if (string.IsNullOrEmpty(image.SourceUri))
        {
            return "has no source URI";
        }

        if (string.IsNullOrEmpty(image.EtagOrHash))
        {
            return "has no ETag or hash";
        }

        if (string.IsNullOrEmpty(image.ModelId) || string.IsNullOrEmpty(image.TaxonomyVersion))
        {
            return "has no model id or taxonomy version";
        }

        // '' is how the unique key spells "no head"; a real head must be distinguishable from it.
        if (image.HeadVersion is { Length: 0 })
        {
            return "has an empty head version (use null for zero-shot)";
        }

        if (image.SizeBytes < 0 || image.Width <= 0 || image.Height <= 0)
        {
            return "has a negative size or non-positive dimensions";
        }

        if (image.Labels is null || image.Timings is null)
        {
            return "has no label list or timings";
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in image.Labels)
        {
            if (label is null || string.IsNullOrEmpty(label.LabelId) || label.DisplayName is null)
            {
                return "has a label without an id or name";
            }

            if (label.Rank < 1)
            {
                return $"gives label {label.LabelId} rank {label.Rank}; ranks start at 1";
            }

            if (!ids.Add(label.LabelId))
            {
                return $"gives label {label.LabelId} twice";
            }
        }

        return null;
    }

    private static string? Problem(FailedImage failure)
    {
        if (string.IsNullOrEmpty(failure.SourceUri))
        {
            return "has no source URI";
        }

        if (failure.EtagOrHash is { Length: 0 })
        {
            return "has an empty ETag or hash (use null when unknown)";
        }

        if (string.IsNullOrEmpty(failure.Reason))
        {
            return "has no failure reason";
        }

        return Enum.IsDefined(failure.Stage) ? null : $"has unknown stage {failure.Stage}";
    }
}
