namespace Clip.Search;

/// <summary>
/// Near-identical images: re-uploads, resized or re-encoded copies, burst shots. The group is named by its first image
/// (the lowest image id), which is the one a count keeps.
/// </summary>
/// <param name="GroupId">The first image's id.</param>
/// <param name="Members">Every image of the group, the first one included, with its cosine to the first; by image id.</param>
public sealed record DuplicateGroup(long GroupId, IReadOnlyList<(long ImageId, float CosineToFirst)> Members);
