using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;

namespace Clip.Cli;

/// <summary>
/// Blob containers and Service Bus clients for the commands that talk to Azure: connection strings (Azurite, the
/// emulators, or keys) from an option or the environment, or URLs and namespaces reached with DefaultAzureCredential,
/// as the worker does. Connection strings are never printed.
/// </summary>
internal static class CloudClients
{
    public const string StorageVariable = "CLIP_STORAGE_CONNECTION_STRING";
    public const string ServiceBusVariable = "CLIP_SERVICEBUS_CONNECTION_STRING";
    public const string StorageOption = "--storage-connection-string";
    public const string ServiceBusOption = "--service-bus-connection-string";

    /// <summary>The option's value, else the environment variable's, else null.</summary>
    public static string? Setting(string? value, string variable)
    {
        var setting = string.IsNullOrWhiteSpace(value) ? Environment.GetEnvironmentVariable(variable) : value;
        return string.IsNullOrWhiteSpace(setting) ? null : setting;
    }

    /// <exception cref="CommandInputException">Neither the option nor the variable is set.</exception>
    public static string RequiredSetting(string? value, string variable, string option) =>
        Setting(value, variable) ?? throw new CommandInputException($"no connection string: pass {option} or set {variable}");

    /// <exception cref="CommandInputException">The connection string does not parse.</exception>
    public static BlobContainerClient Container(string connectionString, string name)
    {
        try
        {
            return new BlobContainerClient(connectionString, name);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The parser's message may quote the string, and with it the account key.
            throw new CommandInputException($"the storage connection string ({StorageOption} or {StorageVariable}) is not valid");
        }
    }

    /// <summary>A container by URL (<c>https://account.blob.core.windows.net/name</c>), reached with DefaultAzureCredential.</summary>
    public static BlobContainerClient Container(Uri containerUrl) => new(containerUrl, new DefaultAzureCredential());

    /// <exception cref="CommandInputException">The connection string does not parse.</exception>
    public static ServiceBusClient ServiceBus(string connectionString)
    {
        try
        {
            return new ServiceBusClient(connectionString, Options);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new CommandInputException($"the Service Bus connection string ({ServiceBusOption} or {ServiceBusVariable}) is not valid");
        }
    }

    /// <summary>A namespace (<c>name.servicebus.windows.net</c>) reached with DefaultAzureCredential.</summary>
    public static ServiceBusClient ServiceBusNamespace(string fullyQualifiedNamespace) => new(fullyQualifiedNamespace, new DefaultAzureCredential(), Options);

    // Fail within a minute or so when the broker is not there, rather than the SDK's several.
    private static ServiceBusClientOptions Options => new() { RetryOptions = { MaxRetries = 2, TryTimeout = TimeSpan.FromSeconds(20) } };
}
