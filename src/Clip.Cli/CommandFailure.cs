using System.Globalization;
using Azure;
using Azure.Messaging.ServiceBus;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Persistence;

namespace Clip.Cli;

/// <summary>Turns the failures a user can cause or fix into one line on stderr and a non-zero exit code.</summary>
internal static class CommandFailure
{
    public const int Failed = 1;

    /// <summary>Could not start: fix the arguments (a missing path, a bad option value). <see cref="Failed"/> means some input or service failed.</summary>
    public const int BadInput = 2;

    public static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (IsUserFacing(e))
        {
            Console.Error.WriteLine($"clip: error: {Describe(e)}");
            return ExitCode(e);
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
            Console.Error.WriteLine($"clip: error: {Describe(e)}");
            return ExitCode(e);
        }
    }

    // An argument naming an image or head the database does not have is fixed like a missing path.
    private static int ExitCode(Exception e) => e is CommandInputException or UnknownImageException or UnknownHeadException ? BadInput : Failed;

    public static bool IsUserFacing(Exception e) => e is ModelBundleException or ImageRejectedException or Clip.Labeling.ImageFetchException
        or ExecutionProviderUnavailableException or InvalidDataException or IOException or UnauthorizedAccessException
        or CommandInputException or Clip.Inference.Taxonomies.TaxonomyException
        or UnknownImageException or UnknownHeadException
        or System.Data.Common.DbException or Microsoft.Extensions.Options.OptionsValidationException
        or RequestFailedException or ServiceBusException or Azure.Identity.AuthenticationFailedException or Clip.Training.TorchUnavailableException
        or AggregateException { InnerExceptions: [RequestFailedException, ..] };

    /// <summary>One line: the Azure clients' multi-line messages (request id, headers, stack traces) shortened to their first line and error code.</summary>
    public static string Describe(Exception e) => e switch
    {
        // The Service Bus client's message can carry the inner exception's stack trace after its first line.
        ServiceBusException s => $"{FirstLine(s.Message)} ({s.Reason})",
        RequestFailedException r => $"{FirstLine(r.Message)} ({r.ErrorCode ?? (r.Status == 0 ? "no response" : string.Create(CultureInfo.InvariantCulture, $"HTTP {r.Status}"))})",
        // Azure.Core's retry policy wraps the failure of every try; the last one says what is wrong.
        AggregateException { InnerExceptions: [.., RequestFailedException last] } a => string.Create(CultureInfo.InvariantCulture, $"{Describe(last)}, after {a.InnerExceptions.Count} tries"),
        _ => e.Message,
    };

    private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');
}

/// <summary>Bad input to a command (a malformed line on stdin, say).</summary>
internal sealed class CommandInputException(string message) : Exception(message);
