using Clip.Inference.Tokenization;

namespace Clip.Inference.Taxonomies;

/// <summary>
/// The taxonomies that ship next to the program in <c>taxonomies/</c>: the CLIP paper's datasets
/// (<c>imagenet</c>, <c>imagenet-7</c>, <c>cifar10</c>, <c>food101</c>, ...) and the tiny model's
/// synthetic world (<c>tiny-shapes</c>, <c>tiny-colours</c>, <c>tiny-colour-shapes</c>).
/// </summary>
public static class StandardTaxonomies
{
    public const string FileExtension = ".json";

    /// <summary>Folder of the shipped taxonomies next to the running program.</summary>
    public static string DirectoryPath { get; } = Path.Combine(AppContext.BaseDirectory, "taxonomies");

    /// <summary>Names of the shipped taxonomies, sorted.</summary>
    public static IReadOnlyList<string> Names() =>
        Directory.Exists(DirectoryPath)
            ? [.. Directory.EnumerateFiles(DirectoryPath, "*" + FileExtension)
                .Select(Path.GetFileNameWithoutExtension)
                .OfType<string>()
                .Order(StringComparer.Ordinal)]
            : [];

    /// <summary>
    /// The file a name stands for: an existing file path as given, else a shipped taxonomy's name
    /// (<c>cifar10</c>); throws <see cref="TaxonomyException"/> listing the shipped names when neither.
    /// </summary>
    public static string Resolve(string nameOrPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        if (File.Exists(nameOrPath))
        {
            return Path.GetFullPath(nameOrPath);
        }

        var isName = nameOrPath.IndexOfAny([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]) < 0
            && !nameOrPath.EndsWith(FileExtension, StringComparison.OrdinalIgnoreCase);
        var shipped = Path.Combine(DirectoryPath, nameOrPath + FileExtension);
        if (isName && File.Exists(shipped))
        {
            return shipped;
        }

        var known = string.Join(", ", Names());
        throw new TaxonomyException(nameOrPath, [new TaxonomyProblem("$", $"no such taxonomy file, nor a shipped taxonomy of that name (shipped: {known})")]);
    }

    /// <summary>Resolves and loads a taxonomy; with a tokenizer, also checks its prompts fit.</summary>
    public static Taxonomy Load(string nameOrPath, ClipTokenizer? tokenizer = null) =>
        TaxonomyLoader.Load(Resolve(nameOrPath), tokenizer);
}
