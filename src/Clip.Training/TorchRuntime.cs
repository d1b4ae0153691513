using TorchSharp;

namespace Clip.Training;

/// <summary>Checks that libtorch loads before a run spends time reading data, and says what to do when it does not.</summary>
public static class TorchRuntime
{
    /// <exception cref="TorchUnavailableException">TorchSharp's native libraries could not be loaded.</exception>
    public static void EnsureAvailable()
    {
        try
        {
            using var probe = torch.ones(1);
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException or BadImageFormatException)
        {
            throw new TorchUnavailableException(
                "TorchSharp's native library could not be loaded. On Debian 12 its libstdc++ is too old unless the build patched it: " +
                "install g++ and patchelf (sudo apt-get install g++ patchelf) and rebuild (see src/Clip.Training/README.md). " +
                $"Cause: {(e.InnerException ?? e).Message.Split('\n', 2)[0].Trim()}",
                e);
        }
    }
}

/// <summary>libtorch cannot run on this machine as built.</summary>
public sealed class TorchUnavailableException : Exception
{
    public TorchUnavailableException()
    {
    }

    public TorchUnavailableException(string message)
        : base(message)
    {
    }

    public TorchUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
