using System.Text.Json;

namespace Clip.Inference.Tests.Tokenization;

/// <summary>Every case of reference/reference_ids.jsonl, produced by the independent Python reference.</summary>
public sealed class ReferenceIdsTests
{
    public static TheoryData<int> CaseNumbers()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < ReferenceCases.Value.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static readonly Lazy<IReadOnlyList<ReferenceCase>> ReferenceCases = new(() =>
        [.. TokenizerFixture.ReadResourceLines("Tokenization.reference_ids.jsonl")
            .Select(line => JsonSerializer.Deserialize<ReferenceCase>(line, JsonOptions)!)]);

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    [Theory]
    [MemberData(nameof(CaseNumbers))]
    public void Encode_ReferenceCase_MatchesPythonReference(int caseNumber)
    {
        var expected = ReferenceCases.Value[caseNumber];
        var actual = TokenizerFixture.CreateTokenizer().Encode(expected.Text);

        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.Truncated, actual.Truncated);
    }

    [Fact]
    public void ReferenceFile_Loaded_HasManyCases() => Assert.True(ReferenceCases.Value.Count >= 150);

    private sealed record ReferenceCase(string Text, int[] Ids, bool Truncated);
}
