namespace Clip.Labeling;

/// <summary>
/// Why an image could not be fetched, as one of the fetch cases of the <see cref="DispositionPolicy"/>, which says
/// what is recorded and how its message ends: <see cref="DispositionCase.StorageUnavailable"/> (retrying later may
/// succeed), <see cref="DispositionCase.FetchRefused"/> (the input is at fault) or
/// <see cref="DispositionCase.SourceGone"/> (deleted or replaced first).
/// </summary>
public sealed class ImageFetchException : Exception
{
    public ImageFetchException(string reason, string message, DispositionCase @case, Exception? innerException = null)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (@case is not (DispositionCase.StorageUnavailable or DispositionCase.FetchRefused or DispositionCase.SourceGone))
        {
            throw new ArgumentOutOfRangeException(nameof(@case), @case, "not a fetch case");
        }

        Reason = reason;
        Case = @case;
    }

    /// <summary>The short code recorded as the failure reason.</summary>
    public string Reason { get; }

    /// <summary>Which case of the failure policy the failure is.</summary>
    public DispositionCase Case { get; }

    /// <summary>Whether trying again later may succeed.</summary>
    public bool Transient => Case == DispositionCase.StorageUnavailable;
}
