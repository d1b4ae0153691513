using Clip.Inference.Taxonomies;
using Clip.Inference.Tests.Tokenization;

namespace Clip.Inference.Tests.Taxonomies;

public sealed class TaxonomyLoaderTests
{
    [Fact]
    public void Parse_FullExample_ReadsEveryFieldAndAppliesDefaults()
    {
        var taxonomy = TaxonomyJson.Parse(TaxonomyJson.Shapes);

        Assert.Equal("shapes", taxonomy.Name);
        Assert.Equal(["circle", "square"], taxonomy.Classes.Select(c => c.Id));
        Assert.Equal("Circle", taxonomy.Classes[0].DisplayName);
        Assert.Equal("square", taxonomy.Classes[1].DisplayName);
        Assert.Equal(taxonomy.Templates, taxonomy.Classes[0].Templates);
        Assert.Equal(["a {} with four sides."], taxonomy.Classes[1].Templates);
        Assert.Equal(0.25, taxonomy.Classes[0].Threshold);
        Assert.Null(taxonomy.Classes[1].Threshold);
        Assert.Equal(new DecisionPolicy(DecisionMode.SingleLabel, 3, 0.3, 0.05, null), taxonomy.Decision);
    }

    [Fact]
    public void Prompts_TwoTemplatesTwoNames_GivesEveryCombination()
    {
        var circle = TaxonomyJson.Parse(TaxonomyJson.Shapes).Classes[0];

        Assert.Equal(
            ["a photo of a circle.", "a photo of a round disc.", "a drawing of a circle.", "a drawing of a round disc."],
            circle.Prompts());
    }

    [Fact]
    public void Parse_NoDecisionSection_UsesSingleLabelTopFiveWithoutAbstaining()
    {
        var taxonomy = TaxonomyJson.Parse("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}]}");

        Assert.Equal(DecisionPolicy.Default, taxonomy.Decision);
        Assert.Equal("", taxonomy.Description);
    }

    [Theory]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}, {'id': 'A', 'names': ['b']}]}", "$.classes[1].id", "duplicate class id 'A' (first used at $.classes[0])")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a', ' ']}]}", "$.classes[0].names[1]", "must not be empty or blank")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': []}]}", "$.classes[0].names", "empty list")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': '', 'names': ['a']}]}", "$.classes[0].id", "must not be empty or blank")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'names': ['a']}]}", "$.classes[0]", "missing required key 'id'")]
    [InlineData("{'name': 't', 'templates': ['a photo.'], 'classes': [{'id': 'a', 'names': ['a']}]}", "$.templates[0]", "has no {} placeholder")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a'], 'templates': ['{} and {}']}]}", "$.classes[0].templates[0]", "has 2 {} placeholders")]
    [InlineData("{'name': 't', 'classes': [{'id': 'a', 'names': ['a']}]}", "$.classes[0]", "no default templates")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'clases': [], 'classes': [{'id': 'a', 'names': ['a']}]}", "$.clases", "unknown key")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a'], 'treshold': 0.2}]}", "$.classes[0].treshold", "unknown key")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'topk': 2}}", "$.decision.topk", "unknown key")]
    [InlineData("{'name': 't', 'name': 'u', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}]}", "$.name", "given more than once")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'abstain_below_probability': 1.5}}", "$.decision.abstain_below_probability", "outside [0, 1]")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'abstain_below_margin': -0.1}}", "$.decision.abstain_below_margin", "outside [0, 1]")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'top_k': 0}}", "$.decision.top_k", "less than 1")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'top_k': 2.5}}", "$.decision.top_k", "expected an integer")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}], 'decision': {'mode': 'multi'}}", "$.decision.mode", "unknown mode 'multi'")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a'], 'threshold': 0.2}, {'id': 'b', 'names': ['b']}], 'decision': {'mode': 'multi_label'}}", "$.decision.default_threshold", "class 'b' ($.classes[1]) sets no threshold")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a'], 'threshold': 2}]}", "$.classes[0].threshold", "outside [-1, 1]")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': []}", "$.classes", "no classes")]
    [InlineData("{'name': 't', 'templates': ['{}'], 'classes': [{'id': 'a', 'names': 'a'}]}", "$.classes[0].names", "expected an array, found a string")]
    [InlineData("{'templates': ['{}'], 'classes': [{'id': 'a', 'names': ['a']}]}", "$", "missing required key 'name'")]
    [InlineData("['not', 'an', 'object']", "$", "expected an object")]
    [InlineData("{'name': 't',", "$", "not valid JSON")]
    public void Parse_InvalidTaxonomy_ReportsTheProblemAtItsJsonPath(string json, string path, string message)
    {
        var e = Assert.Throws<TaxonomyException>(() => TaxonomyJson.Parse(json));

        Assert.Contains(e.Problems, p => p.JsonPath == path && p.Message.Contains(message, StringComparison.Ordinal));
        Assert.Contains($"{path}: ", e.Message, StringComparison.Ordinal);
        Assert.Equal("test.json", e.SourceName);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsThemAllAtOnce()
    {
        var e = Assert.Throws<TaxonomyException>(() => TaxonomyJson.Parse(
            "{'name': '', 'templates': ['nothing'], 'classes': [{'id': 'a', 'names': ['a'], 'colour': 'red'}], 'decision': {'top_k': 0}}"));

        Assert.Equal(
            new[] { "$.classes[0].colour", "$.decision.top_k", "$.name", "$.templates[0]" },
            e.Problems.Select(p => p.JsonPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_WithTokenizer_RejectsPromptsLongerThanTheContextNamingClassAndTemplate()
    {
        var longName = string.Join(' ', Enumerable.Repeat("very", 80));
        var json = $"{{'name': 't', 'templates': ['a photo of a {{}}.'], 'classes': [{{'id': 'ok', 'names': ['cat']}}, {{'id': 'long', 'names': ['dog', '{longName}']}}]}}";

        var e = Assert.Throws<TaxonomyException>(() => TaxonomyLoader.Parse(TaxonomyJson.Quoted(json), "t.json", TokenizerFixture.CreateTokenizer()));

        var problem = Assert.Single(e.Problems);
        Assert.Equal("$.classes[1].names[1]", problem.JsonPath);
        Assert.Contains("class 'long'", problem.Message, StringComparison.Ordinal);
        Assert.Contains("(template \"a photo of a {}.\")", problem.Message, StringComparison.Ordinal);
        Assert.Contains("longer than 77 tokens", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WithTokenizerAndShortPrompts_Succeeds()
    {
        var taxonomy = TaxonomyLoader.Parse(TaxonomyJson.Quoted(TaxonomyJson.Shapes), "t.json", TokenizerFixture.CreateTokenizer());

        Assert.Equal(2, taxonomy.Classes.Count);
    }

    [Fact]
    public void Parse_CommentsAndTrailingCommas_AreAccepted()
    {
        var taxonomy = TaxonomyJson.Parse("{'name': 't', // a comment\n 'templates': ['{}',], 'classes': [{'id': 'a', 'names': ['a']},],}");

        Assert.Equal("a", Assert.Single(taxonomy.Classes).Id);
    }
}
