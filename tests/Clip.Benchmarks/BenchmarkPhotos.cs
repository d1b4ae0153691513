using System.Text;
using Clip.Ingestion.Folders;

namespace Clip.Benchmarks;

/// <summary>One image file of a benchmark photo set, by name, with its bytes.</summary>
internal sealed record BenchmarkPhoto(string Name, byte[] Bytes)
{
    public string ContentType => Name.EndsWith(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "image/jpeg";
}

/// <summary>
/// The image files of a folder, cycled through to make as many distinct images as a run needs: image <c>i</c> is
/// photo <c>i mod count</c> with a tag naming its run and index appended after the image data. The decoders stop at the
/// end marker (JPEG's EOI, PNG's IEND), so every copy has the same pixels but its own content hash and result row.
/// </summary>
internal sealed class BenchmarkPhotos
{
    private BenchmarkPhotos(string folder, BenchmarkPhoto[] photos)
    {
        Folder = folder;
        Photos = photos;
    }

    public string Folder { get; }

    public IReadOnlyList<BenchmarkPhoto> Photos { get; }

    /// <exception cref="ArgumentException">The folder holds no image file.</exception>
    public static BenchmarkPhotos Load(string folder)
    {
        var photos = Directory.GetFiles(folder).Where(ImageFileNames.IsCandidate).Order(StringComparer.Ordinal)
            .Select(path => new BenchmarkPhoto(Path.GetFileName(path), File.ReadAllBytes(path))).ToArray();
        return photos.Length > 0 ? new BenchmarkPhotos(folder, photos) : throw new ArgumentException($"{folder} holds no image file.");
    }

    /// <summary>Image <paramref name="index"/> of the run <paramref name="run"/>: a numbered file name and distinct content.</summary>
    public BenchmarkPhoto Distinct(string run, int index)
    {
        var photo = Photos[index % Photos.Count];
        return new BenchmarkPhoto($"{index:D6}-{photo.Name}", [.. photo.Bytes, .. Encoding.ASCII.GetBytes($"clip-benchmark {run} {index}")]);
    }
}
