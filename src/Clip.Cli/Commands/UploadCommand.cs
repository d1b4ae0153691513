using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure.Storage.Blobs;
using Clip.Cli.Uploads;

namespace Clip.Cli.Commands;

/// <summary>
/// <c>clip upload</c>: uploads images to a blob container and, for local development against Azurite and a local
/// broker, sends the BlobCreated events Event Grid would send in production.
/// </summary>
internal static partial class UploadCommand
{
    private const string StorageVariable = CloudClients.StorageVariable;
    private const string ServiceBusVariable = CloudClients.ServiceBusVariable;
    private const int Concurrency = 8;

    // Uploads and their events go in chunks so events follow their blobs closely and output keeps the input order.
    private const int ChunkSize = 64;

    public static Command Create()
    {
        var paths = new Argument<string[]>("path") { Arity = ArgumentArity.OneOrMore, Description = "Image files and folders (searched recursively for image files)" };
        var containerOption = new Option<string>("--container") { Description = "The blob container to upload to", Required = true };
        // No DefaultValueFactory: help would print the variable's value, and connection strings hold keys.
        var storageOption = new Option<string?>("--storage-connection-string")
        {
            Description = $"Storage account connection string (default: ${StorageVariable}; \"UseDevelopmentStorage=true\" for Azurite on its default port)",
        };
        var prefixOption = new Option<string>("--prefix") { Description = "Prepended to every blob name as is (\"incoming/\" for a folder)", DefaultValueFactory = _ => "" };
        var createOption = new Option<bool>("--create-container") { Description = "Create the container if it does not exist" };
        var overwriteOption = new Option<bool>("--overwrite") { Description = "Replace existing blobs (without it an existing blob fails that file)" };
        var sendEventsOption = new Option<bool>("--send-events") { Description = "Send a BlobCreated event per uploaded blob to a Service Bus queue, as Event Grid would" };
        var serviceBusOption = new Option<string?>("--service-bus-connection-string")
        {
            Description = $"Service Bus connection string for --send-events (default: ${ServiceBusVariable})",
        };
        var queueOption = new Option<string?>("--queue") { Description = "The queue --send-events sends to" };
        var schemaOption = new Option<EventSchema>("--schema")
        {
            Description = "Event body schema: eventgrid or cloudevents",
            DefaultValueFactory = _ => EventSchema.EventGrid,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per file (name, url, etag, bytes, event message id or error)" };
        var command = new Command("upload", "Upload images to a blob container and optionally send their BlobCreated events (local development)")
        {
            paths, containerOption, storageOption, prefixOption, createOption, overwriteOption, sendEventsOption, serviceBusOption, queueOption, schemaOption, json,
        };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(
            async () =>
            {
                var containerName = result.GetValue(containerOption)!;
                if (!ContainerName().IsMatch(containerName))
                {
                    throw new CommandInputException(
                        $"'{containerName}' is not a container name: 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit");
                }

                var storage = CloudClients.RequiredSetting(result.GetValue(storageOption), StorageVariable, CloudClients.StorageOption);
                string? serviceBus = null;
                string? queue = null;
                if (result.GetValue(sendEventsOption))
                {
                    serviceBus = CloudClients.RequiredSetting(result.GetValue(serviceBusOption), ServiceBusVariable, CloudClients.ServiceBusOption);
                    queue = result.GetValue(queueOption);
                    if (string.IsNullOrWhiteSpace(queue))
                    {
                        throw new CommandInputException("--send-events needs --queue");
                    }
                }

                var items = UploadSources.Find(result.GetValue(paths)!, result.GetValue(prefixOption)!);
                var container = CloudClients.Container(storage, containerName);
                await using var serviceBusClient = serviceBus is null ? null : CloudClients.ServiceBus(serviceBus);
                await using var sender = serviceBusClient?.CreateSender(queue);
                var events = sender is null
                    ? null
                    : new BlobCreatedEventSender(sender, result.GetValue(schemaOption), BlobCreatedEventSender.AccountResourceId(container.AccountName));

                if (events is not null)
                {
                    await events.CheckQueueAsync(queue!, cancellationToken);
                }

                await PrepareContainerAsync(container, result.GetValue(createOption), cancellationToken);

                var uploader = new BlobUploader(container, result.GetValue(overwriteOption), Concurrency);
                var summary = new UploadSummary();
                foreach (var chunk in items.Chunk(ChunkSize))
                {
                    var uploads = await uploader.UploadAsync(chunk, cancellationToken);
                    var sent = events is null ? null : await SendEventsAsync(events, container.Name, uploads, cancellationToken);
                    for (var i = 0; i < uploads.Length; i++)
                    {
                        var output = UploadOutput.From(uploads[i], sent?[i]);
                        summary.Add(output);
                        Print(output, result.GetValue(json));
                    }
                }

                summary.Print(Console.Error);
                return summary.Failed == 0 ? 0 : CommandFailure.Failed;
            }));
        return command;
    }

    [GeneratedRegex("^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex ContainerName();

    private static async Task PrepareContainerAsync(BlobContainerClient container, bool create, CancellationToken cancellationToken)
    {
        if (create)
        {
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        else if (!(await container.ExistsAsync(cancellationToken)).Value)
        {
            throw new CommandInputException($"container '{container.Name}' does not exist (pass --create-container to create it)");
        }
    }

    private static async Task<EventOutcome?[]> SendEventsAsync(
        BlobCreatedEventSender sender, string container, UploadOutcome[] uploads, CancellationToken cancellationToken)
    {
        var uploaded = uploads.Select((u, i) => (Upload: u, Index: i)).Where(p => p.Upload.Blob is not null).ToList();
        var events = uploaded.Select(p => (BlobCreatedEventSender.For(container, p.Upload.Item.BlobName, p.Upload.Blob!), p.Upload.Blob!.LastModified)).ToList();
        var sent = await sender.SendAsync(events, cancellationToken);
        var outcomes = new EventOutcome?[uploads.Length];
        for (var i = 0; i < uploaded.Count; i++)
        {
            outcomes[uploaded[i].Index] = sent[i];
        }

        return outcomes;
    }

    private static void Print(UploadOutput output, bool asJson)
    {
        if (asJson)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(output, CliJson.Output.UploadOutput));
        }
        else if (output.Error is null)
        {
            Console.Out.WriteLine(output.Url);
        }
        else
        {
            Console.Error.WriteLine($"clip: {output.File}: {output.Error}");
        }
    }

    private sealed class UploadSummary
    {
        public int Failed { get; private set; }

        private int Uploaded { get; set; }

        private int EventsSent { get; set; }

        public void Add(UploadOutput output)
        {
            Uploaded += output.Url is null ? 0 : 1;
            EventsSent += output.EventMessageId is null ? 0 : 1;
            Failed += output.Error is null ? 0 : 1;
        }

        public void Print(TextWriter writer) =>
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uploaded {Uploaded}, failed {Failed}, events sent {EventsSent}"));
    }
}

/// <summary>One file's line of <c>clip upload --json</c>; a file whose blob was uploaded but whose event was not has both a url and an error.</summary>
internal sealed record UploadOutput(string File, string Name, string Status, string? Url, string? Etag, long? Bytes, string? EventMessageId, string? Error)
{
    public static UploadOutput From(UploadOutcome upload, EventOutcome? sent)
    {
        var blob = upload.Blob;
        var error = upload.Error ?? sent?.Error;
        return new UploadOutput(
            upload.Item.File.FullName, upload.Item.BlobName, error is null ? "uploaded" : "failed",
            blob?.Uri.AbsoluteUri, blob?.ETag, blob?.Bytes, sent?.MessageId, error);
    }
}
