using System.Reflection;
using Clip.Ingestion.Blobs;
using Clip.Labeling;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Worker.Pipeline;

namespace Clip.Worker.Tests;

/// <summary>
/// The failure policy is stated once, in <see cref="DispositionPolicy"/>: the README's table is that table, its words
/// agree with the settlements the code acts on, and every storage reason lands in the row that names it.
/// </summary>
public sealed class DispositionPolicyTests
{
    [Fact]
    public void Readme_FailurePolicyTable_IsThePolicyTable()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "README.md")).ReplaceLineEndings("\n");
        var section = readme.IndexOf("### Failure policy\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '### Failure policy' section");
        var start = readme.IndexOf("| what happened |", section, StringComparison.Ordinal);
        var end = readme.IndexOf("\n\n", start, StringComparison.Ordinal);
        Assert.Equal(DispositionPolicy.MarkdownTable(), readme[start..(end + 1)]);
    }

    [Fact]
    public void Rules_EveryCase_HasExactlyOneRule()
    {
        foreach (var @case in Enum.GetValues<DispositionCase>())
        {
            Assert.Single(DispositionPolicy.Rules, r => r.Case == @case);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rule_Words_SayWhatTheSettlementDoes(DispositionCase @case)
    {
        var rule = DispositionPolicy.For(@case);
        switch (rule.Settlement)
        {
            case Settlement.Complete:
                Assert.StartsWith("completed", rule.Message, StringComparison.Ordinal);
                break;
            case Settlement.DeadLetter:
                Assert.StartsWith("dead-lettered", rule.Message, StringComparison.Ordinal);
                break;
            case Settlement.Retry:
                Assert.StartsWith("retried inside the worker", rule.Message, StringComparison.Ordinal);
                Assert.Contains("given back", rule.Message, StringComparison.Ordinal);
                break;
            case Settlement.GiveBack:
                Assert.StartsWith("given back", rule.Message, StringComparison.Ordinal);
                break;
        }

        // A row is recorded at once exactly when the message is settled on its commit; retried cases record one only
        // on the last delivery, which the LastDelivery rule words.
        var recordsAtOnce = rule.Stage is not null && rule.Settlement is Settlement.Complete or Settlement.DeadLetter;
        if (recordsAtOnce)
        {
            Assert.Equal($"failure, stage `{rule.Stage.ToString()!.ToLowerInvariant()}`", rule.Row);
        }
        else
        {
            Assert.DoesNotContain("stage `", rule.Row, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FailureRow_CaseWithoutRow_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => DispositionPolicy.FailureRow(DispositionCase.Labelled, "file:///a.png", null, "x", "y"));
        var row = DispositionPolicy.FailureRow(DispositionCase.SourceGone, "file:///a.png", "h", "file_not_found", "gone");
        Assert.Equal(FailureStage.Download, row.Stage);
    }

    [Theory]
    [MemberData(nameof(StorageReasons))]
    public void StorageReason_LandsInTheRuleThatNamesIt(string reason)
    {
        var rule = DispositionPolicy.For(ImageFetcher.CaseOf(reason));
        Assert.Contains($"`{reason}`", rule.WhatHappened, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a.png", "file_not_found")]
    [InlineData("big.png", "too_many_bytes")]
    public async Task LocalFileReason_LandsInTheRuleThatNamesIt(string name, string expected)
    {
        using var temp = new TemporaryDirectory();
        var file = new FileInfo(temp.File(name));
        if (expected == "too_many_bytes")
        {
            await File.WriteAllBytesAsync(file.FullName, new byte[10]);
        }

        var e = await Assert.ThrowsAsync<ImageFetchException>(() => LocalImageFile.ReadAsync(file, maxBytes: 4, CancellationToken.None));
        Assert.Equal(expected, e.Reason);
        Assert.Contains($"`{expected}`", DispositionPolicy.For(e.Case).WhatHappened, StringComparison.Ordinal);
    }

    public static TheoryData<DispositionCase> Cases() => [.. Enum.GetValues<DispositionCase>()];

    public static TheoryData<string> StorageReasons() =>
    [
        .. typeof(BlobFetchReason).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!),
    ];
}
