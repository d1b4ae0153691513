using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;

namespace Clip.Cli;

/// <summary>Turns the failures a user can cause or fix into one line on stderr and a non-zero exit code.</summary>
internal static class CommandFailure
{
    public const int Failed = 1;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"clip: error: {e.Message}");
            return Failed;
        }
    }

    public static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"clip: error: {e.Message}");
            return Failed;
        }
    }

    public static bool IsUserFacing(Exception e) => e is ModelBundleException or ImageRejectedException
        or ExecutionProviderUnavailableException or InvalidDataException or IOException or UnauthorizedAccessException
        or CommandInputException or Clip.Inference.Taxonomies.TaxonomyException
        or System.Data.Common.DbException or Microsoft.Extensions.Options.OptionsValidationException;
}

/// <summary>Bad input to a command (a malformed line on stdin, say).</summary>
internal sealed class CommandInputException(string message) : Exception(message);
