namespace Clip.TestUtilities;

/// <summary>Where tests find the bundled model and their data files, relative to the test binaries.</summary>
public static class TestPaths
{
    public static string BundledModel => Clip.Inference.BundledModel.DirectoryPath;

    /// <summary>A file copied next to the test assembly (test projects copy their data folders).</summary>
    public static string Data(params string[] parts) => Path.Combine([AppContext.BaseDirectory, .. parts]);
}
