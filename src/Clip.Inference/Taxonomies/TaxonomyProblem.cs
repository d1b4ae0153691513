namespace Clip.Inference.Taxonomies;

/// <summary>One thing wrong with a taxonomy file, located by a JSON path such as <c>$.classes[2].names[0]</c>.</summary>
public sealed record TaxonomyProblem(string JsonPath, string Message)
{
    public override string ToString() => $"{JsonPath}: {Message}";
}
