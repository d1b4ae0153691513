using Clip.Inference.Taxonomies;
using Clip.Inference.Tests.Tokenization;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Taxonomies;

public sealed class StandardTaxonomiesTests
{
    public static TheoryData<string> ShippedNames() => [.. StandardTaxonomies.Names()];

    [Theory]
    [MemberData(nameof(ShippedNames))]
    public void Load_EveryShippedTaxonomy_ValidatesWithTheRealTokenizer(string name)
    {
        var taxonomy = StandardTaxonomies.Load(name, TokenizerFixture.CreateTokenizer());

        Assert.Equal(name, taxonomy.Name);
        Assert.NotEmpty(taxonomy.Classes);
    }

    [Theory]
    [InlineData("imagenet", 1000, 80)]
    [InlineData("imagenet-7", 1000, 7)]
    [InlineData("cifar10", 10, 18)]
    [InlineData("cifar100", 100, 18)]
    [InlineData("food101", 101, 1)]
    [InlineData("oxford-pets", 37, 1)]
    [InlineData("fer2013", 7, 6)]
    [InlineData("tiny-shapes", 6, 3)]
    [InlineData("tiny-colours", 8, 3)]
    [InlineData("tiny-colour-shapes", 48, 3)]
    public void Load_ByName_GivesTheDatasetsClassesAndTemplates(string name, int classes, int templates)
    {
        var taxonomy = StandardTaxonomies.Load(name);

        Assert.Equal(classes, taxonomy.Classes.Count);
        Assert.Equal(templates, taxonomy.Templates.Count);
    }

    [Fact]
    public void Load_Fer2013_KeepsSeveralNamesPerClass()
    {
        var surprised = StandardTaxonomies.Load("fer2013").Classes.Single(c => c.Id == "surprised");

        Assert.Equal(["surprised", "shocked", "spooked"], surprised.Names);
    }

    [Fact]
    public void Load_ImageNet_GivesRepeatedClassNamesDistinctIds()
    {
        var ids = StandardTaxonomies.Load("imagenet").Classes.Select(c => c.Id).ToList();

        Assert.Contains("missile-2", ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public void Resolve_FilePath_IsUsedAsGiven()
    {
        using var folder = new TemporaryDirectory();
        var path = folder.File("mine.json");
        File.WriteAllText(path, TaxonomyJson.Quoted(TaxonomyJson.Shapes));

        Assert.Equal("shapes", StandardTaxonomies.Load(path).Name);
    }

    [Fact]
    public void Resolve_UnknownName_ListsTheShippedTaxonomies()
    {
        var e = Assert.Throws<TaxonomyException>(() => StandardTaxonomies.Resolve("imagenett"));

        Assert.Contains("cifar10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_ThrowsTaxonomyException()
    {
        var e = Assert.Throws<TaxonomyException>(() => TaxonomyLoader.Load("/nonexistent/taxonomy.json"));

        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }
}
