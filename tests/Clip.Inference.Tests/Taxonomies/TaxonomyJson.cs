using Clip.Inference.Taxonomies;

namespace Clip.Inference.Tests.Taxonomies;

/// <summary>Taxonomy JSON written with single quotes for readability in test sources.</summary>
internal static class TaxonomyJson
{
    public const string Shapes = """
        {
          'name': 'shapes',
          'description': 'test shapes',
          'templates': ['a photo of a {}.', 'a drawing of a {}.'],
          'classes': [
            {'id': 'circle', 'display_name': 'Circle', 'names': ['circle', 'round disc'], 'threshold': 0.25},
            {'id': 'square', 'names': ['square'], 'templates': ['a {} with four sides.']}
          ],
          'decision': {'mode': 'single_label', 'top_k': 3, 'abstain_below_probability': 0.3, 'abstain_below_margin': 0.05}
        }
        """;

    public static string Quoted(string singleQuoted) => singleQuoted.Replace('\'', '"');

    public static Taxonomy Parse(string singleQuoted) => TaxonomyLoader.Parse(Quoted(singleQuoted), "test.json");

    /// <summary>A taxonomy of the given class ids, one name each, with one template and a decision section.</summary>
    public static Taxonomy Classes(string decision, params string[] ids) =>
        Parse($$"""
            {'name': 't', 'templates': ['a {}.'],
             'classes': [{{string.Join(", ", ids.Select(id => $"{{'id': '{id}', 'names': ['{id}']}}"))}}],
             'decision': {{decision}}}
            """);
}
