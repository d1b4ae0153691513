using System.ComponentModel.DataAnnotations;

namespace Clip.Ingestion.ServiceBus;

/// <summary>
/// The Service Bus queue Event Grid delivers BlobCreated events to. Bound from <c>Clip:ServiceBus</c>. Leaving both
/// <see cref="ConnectionString"/> and <see cref="FullyQualifiedNamespace"/> empty selects the embedded folder mode.
/// </summary>
public sealed class ServiceBusSourceOptions : IValidatableObject
{
    public const string SectionName = "Clip:ServiceBus";

    /// <summary>
    /// The namespace host, e.g. <c>clip-prod.servicebus.windows.net</c>; the worker signs in with
    /// <c>DefaultAzureCredential</c> (workload identity in AKS) and needs only the Azure Service Bus Data Receiver role.
    /// </summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>A connection string instead (local development, the test broker). A secret: never logged.</summary>
    public string? ConnectionString { get; set; }

    public string? QueueName { get; set; }

    /// <summary>Messages handled at once; together with the batch size this decides how full encoder batches get.</summary>
    [Range(1, 10_000)]
    public int MaxConcurrentMessages { get; set; } = 64;

    /// <summary>Messages fetched ahead of the handlers; their locks run while they wait, so keep it modest.</summary>
    [Range(0, 10_000)]
    public int PrefetchCount { get; set; }

    /// <summary>How long a message's lock is renewed while the pipeline holds it; longer than the slowest batch plus its retries.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxLockRenewalDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The queue's <c>maxDeliveryCount</c> (Azure's default, and the Bicep template's, is 10). A message that reaches it
    /// and still fails transiently is dead-lettered by the worker with its own reason and a failures row, instead of
    /// being given back for the broker to dead-letter as <c>MaxDeliveryCountExceeded</c> with no reason of ours.
    /// </summary>
    [Range(1, 2000)]
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>True when a namespace or connection string is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(FullyQualifiedNamespace) || !string.IsNullOrWhiteSpace(ConnectionString);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured)
        {
            yield break;
        }

        if (!string.IsNullOrWhiteSpace(FullyQualifiedNamespace) && !string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                $"Set either {SectionName}:{nameof(FullyQualifiedNamespace)} (Entra ID) or {SectionName}:{nameof(ConnectionString)}, not both.",
                [nameof(FullyQualifiedNamespace), nameof(ConnectionString)]);
        }

        if (string.IsNullOrWhiteSpace(QueueName))
        {
            yield return new ValidationResult($"{SectionName}:{nameof(QueueName)} is required when Service Bus is configured.", [nameof(QueueName)]);
        }

        if (!string.IsNullOrWhiteSpace(FullyQualifiedNamespace) && Uri.CheckHostName(FullyQualifiedNamespace) != UriHostNameType.Dns)
        {
            yield return new ValidationResult(
                $"{SectionName}:{nameof(FullyQualifiedNamespace)} must be a host name such as clip-prod.servicebus.windows.net.",
                [nameof(FullyQualifiedNamespace)]);
        }
    }
}
