namespace Clip.Inference.Tests.Taxonomies;

public sealed class TaxonomyVersionTests
{
    private static readonly string Baseline = TaxonomyJson.Parse(TaxonomyJson.Shapes).Version;

    [Fact]
    public void Version_Format_IsSha256PrefixAndSixteenHexDigits()
    {
        Assert.Matches("^sha256:[0-9a-f]{16}$", Baseline);
    }

    [Fact]
    public void Version_KeysReorderedAndWhitespaceChanged_IsUnchanged()
    {
        var reordered = TaxonomyJson.Parse("""
            {"decision":{"abstain_below_margin":0.05,"top_k":3,"mode":"single_label","abstain_below_probability":0.3},
             "classes":[{"names":["circle","round disc"],"threshold":0.25,"display_name":"Circle","id":"circle"},
                        {"templates":["a {} with four sides."],"names":["square"],"id":"square"}],
             "templates":["a photo of a {}.","a drawing of a {}."],"description":"test shapes","name":"shapes"}
            """);

        Assert.Equal(Baseline, reordered.Version);
    }

    [Fact]
    public void Version_DefaultsSpelledOut_IsUnchanged()
    {
        var spelled = TaxonomyJson.Shapes
            .Replace("{'id': 'square', 'names'", "{'id': 'square', 'display_name': 'square', 'names'", StringComparison.Ordinal);

        Assert.Equal(Baseline, TaxonomyJson.Parse(spelled).Version);
    }

    [Theory]
    [InlineData("'round disc'", "'round plate'")]
    [InlineData("'a drawing of a {}.'", "'a sketch of a {}.'")]
    [InlineData("'threshold': 0.25", "'threshold': 0.26")]
    [InlineData("'top_k': 3", "'top_k': 2")]
    [InlineData("'abstain_below_margin': 0.05", "'abstain_below_margin': 0.06")]
    [InlineData("'display_name': 'Circle'", "'display_name': 'Round'")]
    [InlineData("'id': 'square'", "'id': 'box'")]
    [InlineData("'a {} with four sides.'", "'a {} with 4 sides.'")]
    [InlineData("'name': 'shapes'", "'name': 'forms'")]
    public void Version_SemanticChange_ChangesTheVersion(string before, string after)
    {
        var changed = TaxonomyJson.Shapes.Replace(before, after, StringComparison.Ordinal);
        Assert.NotEqual(TaxonomyJson.Shapes, changed);

        Assert.NotEqual(Baseline, TaxonomyJson.Parse(changed).Version);
    }

    [Fact]
    public void Version_ClassesSwapped_ChangesTheVersion()
    {
        var a = TaxonomyJson.Parse("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}, {'id': 'b', 'names': ['b']}]}");
        var b = TaxonomyJson.Parse("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'b', 'names': ['b']}, {'id': 'a', 'names': ['a']}]}");

        Assert.NotEqual(a.Version, b.Version);
    }
}
