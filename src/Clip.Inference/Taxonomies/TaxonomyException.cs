namespace Clip.Inference.Taxonomies;

/// <summary>A taxonomy file is malformed or invalid; lists every problem found, not just the first.</summary>
public sealed class TaxonomyException : Exception
{
    public TaxonomyException(string source, IReadOnlyList<TaxonomyProblem> problems)
        : base(Describe(source, problems))
    {
        SourceName = source;
        Problems = problems;
    }

    public TaxonomyException(string source, IReadOnlyList<TaxonomyProblem> problems, Exception innerException)
        : base(Describe(source, problems), innerException)
    {
        SourceName = source;
        Problems = problems;
    }

    /// <summary>The file (or other source name) the taxonomy came from.</summary>
    public string SourceName { get; }

    public IReadOnlyList<TaxonomyProblem> Problems { get; }

    private static string Describe(string source, IReadOnlyList<TaxonomyProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var lines = problems.Select(p => "  " + p);
        return $"{source}: invalid taxonomy ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):{Environment.NewLine}{string.Join(Environment.NewLine, lines)}";
    }
}
