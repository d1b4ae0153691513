namespace Clip.Inference.Taxonomies;

/// <summary>One class of a taxonomy, with defaults already applied.</summary>
/// <param name="Id">Stable identifier results record; unique within the taxonomy (ignoring case).</param>
/// <param name="DisplayName">Name shown to people; the id unless the file gives one.</param>
/// <param name="Names">Synonyms; every name is put into every template and all the prompts are averaged.</param>
/// <param name="Templates">Prompt templates with one <c>{}</c>: the class's own, else the taxonomy's.</param>
/// <param name="Threshold">Multi-label cosine threshold for this class, or null for the policy's default.</param>
public sealed record TaxonomyClass(
    string Id,
    string DisplayName,
    IReadOnlyList<string> Names,
    IReadOnlyList<string> Templates,
    double? Threshold)
{
    /// <summary>Every (template × name) prompt of this class, template-major.</summary>
    public IEnumerable<string> Prompts()
    {
        foreach (var template in Templates)
        {
            foreach (var name in Names)
            {
                yield return Taxonomy.Fill(template, name);
            }
        }
    }
}
