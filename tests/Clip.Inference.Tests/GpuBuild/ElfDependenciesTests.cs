using Clip.TestUtilities;

namespace Clip.Inference.Tests.GpuBuild;

/// <summary>The ELF reader the GPU build's checks rely on, on the ONNX Runtime library of whichever build this is.</summary>
public sealed class ElfDependenciesTests
{
    [Fact]
    public void Needed_OnnxRuntimesOwnLibrary_ListsTheCAndCxxRuntimes()
    {
        var library = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libonnxruntime.so");

        var needed = ElfDependencies.Needed(library);

        Assert.Contains("libc.so.6", needed);
        Assert.Contains("libstdc++.so.6", needed);
        Assert.DoesNotContain(needed, n => n.StartsWith("libcudart", StringComparison.Ordinal));
    }

    [Fact]
    public void Needed_NotAnElfFile_IsRefused()
    {
        using var temp = new TemporaryDirectory();
        var path = temp.File("not-elf.so");
        File.WriteAllText(path, "#!/bin/sh\n");

        Assert.Throws<InvalidDataException>(() => ElfDependencies.Needed(path));
    }
}
