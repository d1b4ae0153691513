namespace Clip.Inference.Bundles;

/// <summary>A model bundle is missing a file or holds something other than what CLIP inference expects.</summary>
public sealed class ModelBundleException : Exception
{
    public ModelBundleException(string path, string problem)
        : base($"{path}: {problem}")
    {
        Path = path;
        Problem = problem;
    }

    public ModelBundleException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }

    /// <summary>What was wrong with it, or what was expected there.</summary>
    public string Problem { get; }
}
