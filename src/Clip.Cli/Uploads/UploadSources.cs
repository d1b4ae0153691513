using Clip.Ingestion.Folders;

namespace Clip.Cli.Uploads;

/// <summary>A local file and the blob name it is uploaded under.</summary>
internal sealed record UploadItem(FileInfo File, string BlobName);

/// <summary>Turns the command's paths into the files to upload and their blob names.</summary>
internal static class UploadSources
{
    /// <summary>
    /// A file uploads as <paramref name="prefix"/> + its name; a folder's image files (recursively, hidden ones skipped)
    /// as <paramref name="prefix"/> + their path inside the folder with '/' separators, in ordinal order of that name.
    /// </summary>
    /// <exception cref="CommandInputException">A path does not exist, or two files would get the same blob name.</exception>
    public static IReadOnlyList<UploadItem> Find(IEnumerable<string> paths, string prefix)
    {
        var items = new List<UploadItem>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                var file = new FileInfo(path);
                items.Add(new UploadItem(file, prefix + file.Name));
            }
            else if (Directory.Exists(path))
            {
                var root = new DirectoryInfo(path);
                items.AddRange(root
                    .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                    .Where(f => ImageFileNames.IsCandidate(f.Name))
                    .Select(f => new UploadItem(f, prefix + Path.GetRelativePath(root.FullName, f.FullName).Replace(Path.DirectorySeparatorChar, '/')))
                    .OrderBy(i => i.BlobName, StringComparer.Ordinal));
            }
            else
            {
                throw new CommandInputException($"{path}: no such file or folder");
            }
        }

        var duplicate = items.GroupBy(i => i.BlobName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CommandInputException(
                $"{string.Join(" and ", duplicate.Select(i => i.File.FullName))} would both be uploaded as blob '{duplicate.Key}'");
        }

        return items;
    }
}
