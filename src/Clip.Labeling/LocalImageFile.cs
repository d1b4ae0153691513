using System.Globalization;

namespace Clip.Labeling;

/// <summary>Reads a local image file for labeling, with the failure reasons the worker's folder mode and <c>clip label</c> both record.</summary>
public static class LocalImageFile
{
    /// <summary>Reads <paramref name="file"/>, refusing one over <paramref name="maxBytes"/> before reading any of it.</summary>
    /// <exception cref="ImageFetchException">
    /// <c>file_not_found</c> (deleted before it was read), <c>access_denied</c> and <c>too_many_bytes</c> (refused),
    /// or the transient <c>file_changed</c> and <c>io_error</c>.
    /// </exception>
    public static async Task<byte[]> ReadAsync(FileInfo file, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        try
        {
            await using var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, useAsync: true);
            if (stream.Length > maxBytes)
            {
                throw new ImageFetchException(
                    "too_many_bytes",
                    string.Create(CultureInfo.InvariantCulture, $"The image is {stream.Length} bytes, over the {maxBytes}-byte limit."),
                    DispositionCase.FetchRefused);
            }

            var bytes = new byte[stream.Length];
            await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageFetchException("file_not_found", $"{file.FullName} was deleted before it was read.", DispositionCase.SourceGone, e);
        }
        catch (EndOfStreamException e)
        {
            throw new ImageFetchException("file_changed", $"{file.FullName} shrank while it was read.", DispositionCase.StorageUnavailable, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ImageFetchException("access_denied", $"{file.FullName} cannot be read: {e.Message}", DispositionCase.FetchRefused, e);
        }
        catch (IOException e)
        {
            throw new ImageFetchException("io_error", $"{file.FullName} could not be read: {e.Message}", DispositionCase.StorageUnavailable, e);
        }
    }
}
