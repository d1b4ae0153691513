namespace Clip.Inference;

/// <summary>The tiny CLIP-architecture model trained on synthetic shapes that ships with every program.</summary>
public static class BundledModel
{
    /// <summary>Folder of the bundled model next to the running program.</summary>
    public static string DirectoryPath { get; } = Path.Combine(AppContext.BaseDirectory, "models", "tiny-clip");
}
