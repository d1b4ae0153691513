using System.CommandLine;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Clip.Cli.Replay;

namespace Clip.Cli.Commands;

/// <summary>
/// <c>clip replay-events</c>: sends the events Event Grid dead-lettered to a blob container back to the worker's queue.
/// </summary>
internal static class ReplayEventsCommand
{
    public static Command Create()
    {
        var fromOption = new Option<string>("--from-container")
        {
            Description = "The dead-letter container: a name (with a storage connection string) or a URL such as https://ACCOUNT.blob.core.windows.net/deadletters (DefaultAzureCredential)",
            Required = true,
        };
        var storageOption = new Option<string?>(CloudClients.StorageOption)
        {
            Description = $"Storage account connection string for a container name (default: ${CloudClients.StorageVariable}; \"UseDevelopmentStorage=true\" for Azurite)",
        };
        var prefixOption = new Option<string?>("--prefix") { Description = "Replay only blobs whose names start with this (e.g. \"CLIP-IMAGES/2026/12/2/\")" };
        var queueOption = new Option<string>("--queue") { Description = "The queue the worker reads", Required = true };
        var namespaceOption = new Option<string?>("--namespace")
        {
            Description = "Service Bus namespace (NAME.servicebus.windows.net), reached with DefaultAzureCredential; needs the Data Sender role",
        };
        var serviceBusOption = new Option<string?>(CloudClients.ServiceBusOption)
        {
            Description = $"Service Bus connection string, when there is no --namespace (default: ${CloudClients.ServiceBusVariable})",
        };
        var dryRunOption = new Option<bool>("--dry-run") { Description = "Read and check the blobs and count their events; send and delete nothing" };
        var deleteOption = new Option<bool>("--delete-after") { Description = "Delete each blob once all its events were sent" };
        var command = new Command("replay-events", "Send the events Event Grid dead-lettered to a blob container to the worker's queue")
        {
            fromOption, storageOption, prefixOption, queueOption, namespaceOption, serviceBusOption, dryRunOption, deleteOption,
        };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(
            async () =>
            {
                var dryRun = result.GetValue(dryRunOption);
                if (dryRun && result.GetValue(deleteOption))
                {
                    throw new CommandInputException("--dry-run deletes nothing: leave out --delete-after");
                }

                var container = DeadLetterContainer(result.GetValue(fromOption)!, result.GetValue(storageOption));
                if (!(await container.ExistsAsync(cancellationToken)).Value)
                {
                    throw new CommandInputException($"container '{container.Name}' does not exist");
                }

                await using var client = dryRun ? null : ServiceBus(result.GetValue(namespaceOption), result.GetValue(serviceBusOption));
                await using var sender = client?.CreateSender(result.GetValue(queueOption));
                if (sender is not null)
                {
                    await CheckQueueAsync(sender, cancellationToken);
                }

                var summary = new ReplaySummary();
                var replay = new DeadLetterReplay(container, sender, result.GetValue(deleteOption));
                await replay.ReplayAsync(result.GetValue(prefixOption), blob =>
                {
                    summary.Add(blob);
                    if (blob.Error is null)
                    {
                        Console.Out.WriteLine($"{blob.Name}: {blob.Events} events {(dryRun ? "to send" : "sent")}{(blob.Deleted ? ", deleted" : "")}");
                    }
                    else
                    {
                        Console.Error.WriteLine($"clip: {blob.Name}: {blob.Error}");
                    }
                }, cancellationToken);

                Console.Error.WriteLine(summary.Describe(dryRun));
                return summary.Malformed + summary.Failed == 0 ? 0 : CommandFailure.Failed;
            }));
        return command;
    }

    private static BlobContainerClient DeadLetterContainer(string from, string? connectionString)
    {
        if (Uri.TryCreate(from, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp))
        {
            return CloudClients.Container(url);
        }

        return CloudClients.Container(
            CloudClients.RequiredSetting(connectionString, CloudClients.StorageVariable, CloudClients.StorageOption), from);
    }

    private static ServiceBusClient ServiceBus(string? fullyQualifiedNamespace, string? connectionString) =>
        !string.IsNullOrWhiteSpace(fullyQualifiedNamespace)
            ? CloudClients.ServiceBusNamespace(fullyQualifiedNamespace)
            : CloudClients.ServiceBus(CloudClients.RequiredSetting(connectionString, CloudClients.ServiceBusVariable, CloudClients.ServiceBusOption));

    // Opens the link, so a wrong queue name or an absent broker shows before any blob is read.
    private static async Task CheckQueueAsync(ServiceBusSender sender, CancellationToken cancellationToken)
    {
        try
        {
            using var probe = await sender.CreateMessageBatchAsync(cancellationToken);
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessagingEntityNotFound)
        {
            throw new CommandInputException($"queue '{sender.EntityPath}' does not exist");
        }
    }
}
