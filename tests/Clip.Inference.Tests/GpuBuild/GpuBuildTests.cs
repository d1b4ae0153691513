#if CLIP_GPU
using System.Text.RegularExpressions;
using Clip.TestUtilities;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Inference.Tests.GpuBuild;

/// <summary>
/// The GPU build's own ONNX Runtime (<c>-p:ClipGpu=true</c>, Microsoft.ML.OnnxRuntime.Gpu.Linux), as the worker image
/// carries it: it has the CUDA provider, and the CUDA libraries that provider links against are the ones the image's
/// CUDA base provides. Compiled only into the GPU build (tests/run-all.sh runs it).
/// </summary>
public sealed partial class GpuBuildTests
{
    private static string NativeLibrary(string name) => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", name);

    [Fact]
    public void OnnxRuntime_GpuBuild_OffersTheCudaProvider() =>
        Assert.Contains("CUDAExecutionProvider", OrtEnv.Instance().GetAvailableProviders());

    [Fact]
    public void CudaProvider_LinksTheCudaMajorOfTheWorkerImagesBase()
    {
        var dockerfile = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "src", "Clip.Worker", "Dockerfile"));
        var tag = CudaImage().Match(dockerfile);
        Assert.True(tag.Success, "the worker's Dockerfile names no nvidia/cuda base image");
        var cudaMajor = tag.Groups["major"].Value;

        var needed = ElfDependencies.Needed(NativeLibrary("libonnxruntime_providers_cuda.so"));

        // The CUDA runtime and cuBLAS carry the toolkit's major version in their sonames; cuRAND has been .so.10 since
        // CUDA 10. Each must be there, and only in the version a CUDA <major> runtime image has.
        var cuda = needed.Where(n => n.StartsWith("libcu", StringComparison.Ordinal) && n != "libcuda.so.1").Order().ToList();
        Assert.Equal([$"libcublas.so.{cudaMajor}", $"libcublasLt.so.{cudaMajor}", $"libcudart.so.{cudaMajor}", "libcurand.so.10"], cuda);
        Assert.Contains("libcuda.so.1", needed); // The driver's, mounted by the NVIDIA container toolkit, not the image's.
        Assert.Equal("runtime", tag.Groups["flavour"].Value);
        Assert.True(tag.Groups["cudnn"].Success, $"the base {tag.Value} has no cuDNN; ONNX Runtime's CUDA provider loads cuDNN 9 for convolutions");
    }

    [GeneratedRegex(@"nvidia/cuda:(?<major>\d+)\.\d+\.\d+-(?<cudnn>cudnn-)?(?<flavour>runtime|devel|base)-ubuntu\d+\.\d+")]
    private static partial Regex CudaImage();
}
#endif
