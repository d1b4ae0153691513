using System.Runtime.InteropServices;
using Clip.Inference.Encoders;

namespace Clip.Inference.Tests.Encoders;

/// <summary>The real driver query, on whatever machine runs the tests: it answers or says why not, and never crashes.</summary>
public sealed class NvidiaDriverTests
{
    [Fact]
    public void Query_OnThisMachine_AnswersOrSaysWhyNot()
    {
        if (!HasCudaDriverLibrary())
        {
            var e = Assert.Throws<NvidiaDriverException>(() => new NvidiaDriver().Query());

            Assert.StartsWith("no NVIDIA driver found: libcuda.so.1 cannot be loaded", e.Message, StringComparison.Ordinal);
            Assert.Null(e.CudaError);
            return;
        }

        // A GPU machine: the driver answers, or (say, with no GPU visible) fails with a CUresult the message names.
        try
        {
            var info = new NvidiaDriver().Query();

            Assert.NotEqual(new Version(0, 0), info.CudaVersion);
            Assert.All(info.Devices, d => Assert.False(string.IsNullOrWhiteSpace(d.Name)));
        }
        catch (NvidiaDriverException e)
        {
            Assert.NotNull(e.CudaError);
            Assert.Contains($"({e.CudaError})", e.Message, StringComparison.Ordinal);
        }
    }

    private static bool HasCudaDriverLibrary()
    {
        if (!NativeLibrary.TryLoad("libcuda.so.1", out var handle))
        {
            return false;
        }

        NativeLibrary.Free(handle);
        return true;
    }
}
