using System.Text.Json;
using Clip.TestUtilities;

namespace Clip.Cli.Tests;

public sealed class TokenizeCommandTests
{
    [Theory]
    [InlineData("a photo of a dog.", "49406 320 1125 539 320 1929 269 49407")]
    [InlineData("A Photo Of A DOG.", "49406 320 1125 539 320 1929 269 49407")]
    [InlineData("a photo of a hot dog, a type of food.", "49406 320 1125 539 320 2069 1929 267 320 3877 539 1559 269 49407")]
    [InlineData("🐶 dog", "49406 10631 1929 49407")]
    [InlineData("Tom &amp; Jerry", "49406 2435 261 9164 49407")]
    public async Task Tokenize_ReferenceExamples_PrintsOpenAisIds(string text, string ids)
    {
        var result = await CliProcess.RunAsync("tokenize", text);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ids, result.StandardOutput.Trim());
    }

    [Fact]
    public async Task Tokenize_JsonFromStdin_PrintsOneObjectPerLine()
    {
        var longText = string.Join(' ', Enumerable.Repeat("dog", 100));
        var input = $"\"a photo of a dog.\"\n\n\"caf\\u00e9\"\n{JsonSerializer.Serialize(longText)}\n";

        var result = await CliProcess.RunWithInputAsync(input, "tokenize", "--stdin", "--json");

        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal("a photo of a dog.", lines[0].GetProperty("text").GetString());
        Assert.Equal([49406, 320, 1125, 539, 320, 1929, 269, 49407], lines[0].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(lines[0].GetProperty("truncated").GetBoolean());
        Assert.Equal("café", lines[1].GetProperty("text").GetString());
        var truncated = lines[2].GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToList();
        Assert.Equal(77, truncated.Count);
        Assert.Equal(49407, truncated[^1]);
        Assert.True(lines[2].GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public async Task Tokenize_MalformedStdinLine_ReportsItAndStillTokenizesTheOthers()
    {
        var result = await CliProcess.RunWithInputAsync("\"fine\"\nnot json\n\"\\ud83d lone\"\n", "tokenize", "--stdin");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("stdin line 2: expected a JSON string", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(["49406 3797 49407", "49406 39802 13576 49407"], result.OutputLines);
    }

    [Fact]
    public async Task Tokenize_MissingModelFolder_FailsWithThePath()
    {
        var result = await CliProcess.RunAsync("tokenize", "--model", "/no/such/bundle", "hello");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/no/such/bundle: model bundle folder not found", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokenize_NoInput_FailsWithUsageHint()
    {
        var result = await CliProcess.RunAsync("tokenize");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nothing to tokenize", result.StandardError, StringComparison.Ordinal);
    }
}
