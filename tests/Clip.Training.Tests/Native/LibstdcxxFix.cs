using System.Diagnostics;
using System.Reflection;
using Clip.TestUtilities;

namespace Clip.Training.Tests.Native;

/// <summary>Runs build/torchsharp-libstdcxx.sh, the script the build runs, the way the build runs it.</summary>
internal static class LibstdcxxFix
{
    public const string Version = "GLIBCXX_3.4.32";
    public const string Symbol = "_ZSt21ios_base_library_initv";
    public const string Shim = "libclip_ios_base_library_init.so";

    public static string Script => Path.Combine(TestPaths.RepositoryRoot, "build", "torchsharp-libstdcxx.sh");

    public static string NativeSources => Path.Combine(TestPaths.RepositoryRoot, "src", "Clip.Training", "Native");

    public static string PackageLibrary => typeof(LibstdcxxFix).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TorchSharpPackageLibrary").Value!;

    /// <summary>The copy of the library this test process loads.</summary>
    public static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    /// <summary>Whether the loader's libstdc++ lacks <see cref="Version"/>, as the build decides it.</summary>
    public static bool SystemNeedsFix => Run("/bin/sh", Script, "probe").ExitCode == 0;

    /// <summary>Why a fix test fails where the tools are missing: it runs them, and never passes without checking.</summary>
    public const string ToolsHint = "gcc, g++ and patchelf are needed to test the libstdc++ fix: apt-get install g++ patchelf (tests/run-all.sh does this)";

    public static bool CanBuildFix => new[] { "gcc", "g++", "patchelf" }.All(tool => Run("/bin/sh", "-c", $"command -v {tool}").ExitCode == 0);

    public static (int ExitCode, string Output) Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error);
    }
}
