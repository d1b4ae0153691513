using Clip.Inference.Imaging;
using Clip.Persistence.Review;
using Microsoft.Extensions.Caching.Memory;
using Log = Clip.Review.ReviewLog;

namespace Clip.Review.Images;

/// <summary>
/// Thumbnails and full views of images in the results database, rendered on the server (<see cref="ImagePreview"/>)
/// and cached by image id and size within a memory budget. An image's row never changes its bytes (a new version is a
/// new row), so a cached rendering never goes stale; only a failure is kept briefly, so a file that comes back shows.
/// </summary>
public sealed class Thumbnails(ReviewQueries queries, ImageContentReader reader, ImagePreview preview, IMemoryCache cache, ILogger<Thumbnails> logger)
{
    private static readonly TimeSpan FailureLifetime = TimeSpan.FromSeconds(30);

    /// <summary>The JPEG, or why there is none: <see cref="Rendering.Missing"/> when SQL has no such image.</summary>
    public async Task<Rendering> RenderAsync(long imageId, int maxSide, CancellationToken cancellationToken)
    {
        var key = (imageId, maxSide);
        if (cache.TryGetValue(key, out Rendering? cached) && cached is not null)
        {
            return cached;
        }

        var image = await queries.GetImageAsync(imageId, cancellationToken);
        if (image is null)
        {
            return Rendering.Missing;
        }

        Rendering rendering;
        try
        {
            var bytes = await reader.ReadAsync(image, cancellationToken);
            rendering = new Rendering(await Task.Run(() => preview.RenderJpeg(bytes, maxSide), cancellationToken), null);
        }
        catch (Exception e) when (e is ImageUnavailableException or ImageRejectedException)
        {
            var reason = e is ImageUnavailableException u ? u.Reason : ((ImageRejectedException)e).ReasonCode;
            Log.PreviewFailed(logger, imageId, reason, e.Message);
            rendering = new Rendering(null, reason);
        }

        using var entry = cache.CreateEntry(key);
        entry.Value = rendering;
        entry.Size = rendering.Jpeg?.Length ?? 64;
        if (rendering.Jpeg is null)
        {
            entry.AbsoluteExpirationRelativeToNow = FailureLifetime;
        }

        return rendering;
    }
}

/// <summary>A rendered JPEG, or the short reason there is none.</summary>
public sealed record Rendering(byte[]? Jpeg, string? Failure)
{
    public static Rendering Missing { get; } = new(null, "not_in_database");
}
