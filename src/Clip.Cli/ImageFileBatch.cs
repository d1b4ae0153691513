using Clip.Inference;
using Clip.Inference.Imaging;
using Clip.Labeling;

namespace Clip.Cli;

/// <summary>Fills an <see cref="ImageBatch"/> from local files, passing over the ones that cannot be read or decoded.</summary>
internal static class ImageFileBatch
{
    /// <summary>
    /// Reads and adds each item's file to <paramref name="batch"/> in order; an item whose file is unreadable, too large or
    /// not a usable image goes to <paramref name="unreadable"/> instead.
    /// </summary>
    /// <returns>The items added, in batch row order.</returns>
    public static async Task<List<T>> AddReadableAsync<T>(
        this ImageBatch batch,
        IReadOnlyCollection<T> items,
        Func<T, FileInfo> fileOf,
        ImageLimits limits,
        Action<FileInfo, Exception> unreadable,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(fileOf);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(unreadable);
        var added = new List<T>(items.Count);
        foreach (var item in items)
        {
            var file = fileOf(item);
            try
            {
                batch.Add(await LocalImageFile.ReadAsync(file, limits.MaxEncodedBytes, cancellationToken));
                added.Add(item);
            }
            catch (Exception e) when (e is ImageRejectedException or ImageFetchException)
            {
                unreadable(file, e);
            }
        }

        return added;
    }
}
