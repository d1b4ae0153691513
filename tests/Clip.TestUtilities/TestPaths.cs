namespace Clip.TestUtilities;

/// <summary>Where tests find the bundled model and their data files, relative to the test binaries.</summary>
public static class TestPaths
{
    public static string BundledModel => Clip.Inference.BundledModel.DirectoryPath;

    /// <summary>A file copied next to the test assembly (test projects copy their data folders).</summary>
    public static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);

    /// <summary>The checkout's root: the nearest folder above the test binaries holding <c>Clip.Workers.sln</c>.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Clip.Workers.sln")))
                {
                    return directory.FullName;
                }
            }

            throw new InvalidOperationException($"No Clip.Workers.sln above {AppContext.BaseDirectory}.");
        }
    }
}
