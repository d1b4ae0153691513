using Clip.TestUtilities;

namespace Clip.Training.Tests.Native;

// These tests start processes (the build's own script, gcc) and so are slower than unit tests;
// they exist because the fix is build logic that would otherwise fail only at run time.
public sealed class LibstdcxxFixTests
{
    private const ushort WeakFlag = 0x2, GlobalUnversioned = 1;

    [Fact]
    public void BuildOutput_Library_IsPatchedExactlyWhenTheSystemLibstdcxxLacksTheVersion()
    {
        var library = ElfFile.Read(LibstdcxxFix.OutputLibrary);
        var shimNextToIt = File.Exists(Path.Combine(Path.GetDirectoryName(LibstdcxxFix.OutputLibrary)!, LibstdcxxFix.Shim));

        if (LibstdcxxFix.SystemNeedsFix)
        {
            Assert.Equal(WeakFlag, library.VersionRequirementFlags(LibstdcxxFix.Version)!.Value & WeakFlag);
            Assert.Equal(GlobalUnversioned, library.SymbolVersionIndex(LibstdcxxFix.Symbol));
            Assert.Contains(LibstdcxxFix.Shim, library.NeededLibraries());
            Assert.True(shimNextToIt);
        }
        else
        {
            Assert.Equal(0, library.VersionRequirementFlags(LibstdcxxFix.Version)!.Value & WeakFlag);
            Assert.DoesNotContain(LibstdcxxFix.Shim, library.NeededLibraries());
            Assert.False(shimNextToIt);
        }
    }

    [Fact]
    public void PatchScript_OnThePackageLibrary_PatchesACopyOnceAndLeavesTheSourceAlone()
    {
        Assert.True(LibstdcxxFix.CanBuildFix, LibstdcxxFix.ToolsHint);

        using var work = new TemporaryDirectory();
        var sourceBytes = File.ReadAllBytes(LibstdcxxFix.PackageLibrary);

        var first = LibstdcxxFix.Run("/bin/sh", LibstdcxxFix.Script, "patch", LibstdcxxFix.PackageLibrary, LibstdcxxFix.NativeSources, work.Path);
        var patched = File.ReadAllBytes(work.File("libLibTorchSharp.so"));
        var second = LibstdcxxFix.Run("/bin/sh", LibstdcxxFix.Script, "patch", LibstdcxxFix.PackageLibrary, LibstdcxxFix.NativeSources, work.Path);

        Assert.True(first.ExitCode == 0, first.Output);
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.Contains("already patched", second.Output, StringComparison.Ordinal);
        Assert.Equal(patched, File.ReadAllBytes(work.File("libLibTorchSharp.so")));
        Assert.Equal(sourceBytes, File.ReadAllBytes(LibstdcxxFix.PackageLibrary));
        Assert.Equal(0, ElfFile.Read(LibstdcxxFix.PackageLibrary).VersionRequirementFlags(LibstdcxxFix.Version)!.Value & WeakFlag);

        var library = ElfFile.Read(work.File("libLibTorchSharp.so"));
        Assert.Equal(WeakFlag, library.VersionRequirementFlags(LibstdcxxFix.Version)!.Value & WeakFlag);
        Assert.Equal(GlobalUnversioned, library.SymbolVersionIndex(LibstdcxxFix.Symbol));
        Assert.Contains(LibstdcxxFix.Shim, library.NeededLibraries());
        Assert.Contains(LibstdcxxFix.Symbol, LibstdcxxFix.Run("nm", "-D", "--defined-only", work.File(LibstdcxxFix.Shim)).Output, StringComparison.Ordinal);
    }

    [Fact]
    public void WeakenTool_WhenAnUnprovidedSymbolNeedsTheVersion_RefusesAndWritesNothing()
    {
        Assert.True(LibstdcxxFix.CanBuildFix, LibstdcxxFix.ToolsHint);

        using var work = new TemporaryDirectory();
        var tool = work.File("weaken_version_need");
        var compile = LibstdcxxFix.Run("gcc", "-O2", "-o", tool, Path.Combine(LibstdcxxFix.NativeSources, "weaken_version_need.c"));
        Assert.True(compile.ExitCode == 0, compile.Output);
        var copy = work.File("libLibTorchSharp.so");
        File.Copy(LibstdcxxFix.PackageLibrary, copy);

        var refused = LibstdcxxFix.Run(tool, copy, LibstdcxxFix.Version);
        var absent = LibstdcxxFix.Run(tool, copy, "GLIBCXX_9.9", LibstdcxxFix.Symbol);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{LibstdcxxFix.Symbol}@{LibstdcxxFix.Version}, which nothing provides", refused.Output, StringComparison.Ordinal);
        Assert.Equal(3, absent.ExitCode);
        Assert.Equal(File.ReadAllBytes(LibstdcxxFix.PackageLibrary), File.ReadAllBytes(copy));
    }
}
