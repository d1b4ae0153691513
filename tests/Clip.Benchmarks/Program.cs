using BenchmarkDotNet.Running;
using Clip.Benchmarks;

if (args is ["zeroshot"])
{
    ZeroShotThroughput.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
