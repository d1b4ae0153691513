using Microsoft.Extensions.Options;

namespace Clip.Ingestion.Sources;

/// <summary>Checks every allowed-containers entry at start, so a bad entry fails the host with its own message.</summary>
internal sealed class BlobSourceOptionsValidator : IValidateOptions<BlobSourceOptions>
{
    public ValidateOptionsResult Validate(string? name, BlobSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            _ = new BlobSourcePolicy(options);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}
