using System.Globalization;
using System.Text;
using Clip.Inference.Tokenization;

namespace Clip.Inference.Tests.Tokenization;

/// <summary>
/// Compares the C# character handling with tables Python wrote (reference/unicode_tables.txt):
/// the regex module's \p{L}, \p{N} and \s, str.lower() and the Final_Sigma context.
/// </summary>
public sealed class UnicodeTablesTests
{
    private static readonly Lazy<PythonTables> Tables = new(PythonTables.Load);

    /// <summary>Characters whose properties changed between Python 3.11's Unicode 14 and .NET's newer Unicode.</summary>
    private static readonly HashSet<int> KnownVersionChanges = [0x1171E];

    [Fact]
    public void IsLetter_CodePointsRegexModuleKnows_MatchRegexModule() =>
        AssertSameSet("L", cp => UnicodeClasses.IsLetter(new Rune(cp)));

    [Fact]
    public void IsNumber_CodePointsRegexModuleKnows_MatchRegexModule() =>
        AssertSameSet("N", cp => UnicodeClasses.IsNumber(new Rune(cp)));

    [Fact]
    public void IsRegexWhitespace_CodePointsRegexModuleKnows_MatchRegexModule() =>
        AssertSameSet("S", UnicodeClasses.IsRegexWhitespace);

    [Fact]
    public void ToLower_EveryAssignedCodePoint_MatchesPythonStrLower()
    {
        var tables = Tables.Value;
        var mismatches = new List<string>();
        foreach (var cp in AllScalars().Where(tables.Assigned.Contains))
        {
            var expected = tables.Lower.TryGetValue(cp, out var lower) ? lower : char.ConvertFromUtf32(cp);
            var actual = PythonLowercase.ToLower(char.ConvertFromUtf32(cp));
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                mismatches.Add($"U+{cp:X4}");
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public void CaseContext_EveryAssignedCodePoint_MatchesPythonFinalSigma()
    {
        var tables = Tables.Value;
        var mismatches = new List<string>();
        foreach (var cp in AllScalars().Where(cp => tables.Assigned.Contains(cp) && !KnownVersionChanges.Contains(cp)))
        {
            var rune = new Rune(cp);
            var ignorable = PythonLowercase.IsCaseIgnorable(rune);
            var casedNotIgnorable = !ignorable && PythonLowercase.IsCased(rune);
            if (ignorable != tables.Sets["I"].Contains(cp) || casedNotIgnorable != tables.Sets["C"].Contains(cp))
            {
                mismatches.Add($"U+{cp:X4}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} differ: {string.Join(' ', mismatches.Take(60))}");
    }

    /// <summary>Compares where the regex module has the code point assigned: .NET's Unicode is newer, so it knows more letters.</summary>
    private static void AssertSameSet(string kind, Func<int, bool> actual)
    {
        var expected = Tables.Value.Sets[kind];
        var known = Tables.Value.Sets["R"];
        var mismatches = AllScalars()
            .Where(cp => known.Contains(cp) && actual(cp) != expected.Contains(cp))
            .Select(cp => $"U+{cp:X4}")
            .ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} differ: {string.Join(' ', mismatches.Take(60))}");
    }

    private static IEnumerable<int> AllScalars() =>
        Enumerable.Range(0, 0x110000).Where(cp => cp is < 0xD800 or > 0xDFFF);

    private sealed record PythonTables(Dictionary<string, HashSet<int>> Sets, HashSet<int> Assigned, Dictionary<int, string> Lower)
    {
        public static PythonTables Load()
        {
            var sets = new Dictionary<string, HashSet<int>>();
            var lower = new Dictionary<int, string>();
            foreach (var line in TokenizerFixture.ReadResourceLines("Tokenization.unicode_tables.txt"))
            {
                var fields = line.Split(' ');
                var values = fields.Skip(1).Select(hex => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
                if (fields[0] == "W")
                {
                    lower[values[0]] = string.Concat(values.Skip(1).Select(char.ConvertFromUtf32));
                    continue;
                }

                if (!sets.TryGetValue(fields[0], out var set))
                {
                    sets[fields[0]] = set = [];
                }

                for (var cp = values[0]; cp <= values[1]; cp++)
                {
                    set.Add(cp);
                }
            }

            return new PythonTables(sets, sets["A"], lower);
        }
    }
}
