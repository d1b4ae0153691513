using System.Text.Json;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;

namespace Clip.Cli.Tests;

[Collection(UploadFixture.Collection)]
public sealed class UploadCommandTests(UploadFixture cloud) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string?> NoConnectionStrings = new()
    {
        ["CLIP_STORAGE_CONNECTION_STRING"] = null,
        ["CLIP_SERVICEBUS_CONNECTION_STRING"] = null,
    };

    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string[] SampleNames => [.. Directory.GetFiles(TestPaths.Data("samples")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    private Task<CliProcess.Result> UploadAsync(BlobContainerClient container, params string[] arguments) =>
        CliProcess.RunWithEnvironmentAsync(
            NoConnectionStrings,
            ["upload", .. arguments, "--container", container.Name, "--storage-connection-string", cloud.Azurite.ConnectionString]);

    private static List<JsonElement> JsonLines(CliProcess.Result result) =>
        result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

    [Theory]
    [InlineData("eventgrid")]
    [InlineData("cloudevents")]
    public async Task Upload_SamplesWithEvents_CreatesIdenticalBlobsAndOneParsableEventPerFile(string schema)
    {
        var container = cloud.NewContainer();
        var queue = cloud.NewQueue();

        var result = await UploadAsync(
            container, TestPaths.Data("samples"), "--prefix", "in/", "--create-container", "--json",
            "--send-events", "--queue", queue.Name, "--service-bus-connection-string", cloud.Broker.ConnectionString, "--schema", schema);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Contains("uploaded 8, failed 0, events sent 8", result.StandardError, StringComparison.Ordinal);
        var lines = JsonLines(result);
        Assert.Equal(SampleNames.Select(n => "in/" + n), lines.Select(l => l.GetProperty("name").GetString()));
        await queue.WaitUntilAsync(q => q.ActiveCount == 8, Patience);
        var messages = queue.ActiveMessages;
        foreach (var line in lines)
        {
            var name = line.GetProperty("name").GetString()!;
            var blob = container.GetBlobClient(name);
            var local = await File.ReadAllBytesAsync(TestPaths.Data("samples", name["in/".Length..]));
            Assert.Equal(local, (await blob.DownloadContentAsync()).Value.Content.ToArray());
            var properties = (await blob.GetPropertiesAsync()).Value;

            var message = Assert.Single(messages, m => m.MessageId == line.GetProperty("event_message_id").GetString());
            var parsed = Assert.IsType<BlobCreatedEvent>(Assert.Single(new BlobCreatedEventParser().Parse(message.Body)));
            Assert.Equal(message.MessageId, parsed.Id);
            Assert.Equal(blob.Uri, parsed.BlobUri);
            Assert.Equal((container.Name, name), (parsed.Container, parsed.BlobName));
            Assert.Equal(properties.ETag.ToString().Trim('"'), parsed.ETag);
            Assert.Equal(properties.ContentLength, parsed.ContentLength);
            Assert.Equal(properties.ContentType, parsed.ContentType);
            Assert.Equal(name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg", parsed.ContentType);
            Assert.Equal(blob.Uri.AbsoluteUri, line.GetProperty("url").GetString());
            Assert.Equal(local.LongLength, line.GetProperty("bytes").GetInt64());
        }
    }

    [Fact]
    public async Task Upload_EventsOverOneMessageSize_SendsThemInSeveralBatches()
    {
        // About three events fit in a message this small, so eight take several batches.
        await using var broker = await LoopbackServiceBusBroker.StartAsync(new BrokerOptions { MaxMessageSizeInBytes = 3 * 1024 });
        var queue = broker.CreateQueue("small");
        var container = cloud.NewContainer();

        var result = await UploadAsync(
            container, TestPaths.Data("samples"), "--create-container", "--send-events", "--queue", "small", "--service-bus-connection-string", broker.ConnectionString);

        Assert.True(result.ExitCode == 0, result.StandardError);
        await queue.WaitUntilAsync(q => q.ActiveCount == 8, Patience);
        Assert.Equal(
            SampleNames,
            queue.ActiveMessages.Select(m => ((BlobCreatedEvent)new BlobCreatedEventParser().Parse(m.Body)[0]).BlobName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Upload_ExistingBlobWithoutOverwrite_FailsThatFileAndUploadsTheRest()
    {
        var container = cloud.NewContainer();
        await container.CreateAsync();
        var taken = SampleNames[0];
        await container.GetBlobClient(taken).UploadAsync(new BinaryData("already here"u8.ToArray()));
        var queue = cloud.NewQueue();

        var result = await UploadAsync(
            container, TestPaths.Data("samples"), "--json",
            "--send-events", "--queue", queue.Name, "--service-bus-connection-string", cloud.Broker.ConnectionString);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("uploaded 7, failed 1, events sent 7", result.StandardError, StringComparison.Ordinal);
        var failed = Assert.Single(JsonLines(result), l => l.GetProperty("status").GetString() == "failed");
        Assert.Equal(taken, failed.GetProperty("name").GetString());
        Assert.Contains("already exists", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("already here", (await container.GetBlobClient(taken).DownloadContentAsync()).Value.Content.ToString());
        Assert.Equal(8, container.GetBlobs().Count());
        await queue.WaitUntilAsync(q => q.ActiveCount == 7, Patience);
        Assert.DoesNotContain(queue.ActiveMessages, m => ((BlobCreatedEvent)new BlobCreatedEventParser().Parse(m.Body)[0]).BlobName == taken);
    }

    [Fact]
    public async Task Upload_ExistingBlobWithOverwrite_ReplacesIt()
    {
        var container = cloud.NewContainer();
        await container.CreateAsync();
        var file = TestPaths.Data("samples", SampleNames[0]);
        await container.GetBlobClient("only.png").UploadAsync(new BinaryData("old"u8.ToArray()));
        var copy = _temp.File("only.png");
        File.Copy(file, copy);

        var result = await UploadAsync(container, copy, "--overwrite");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(container.GetBlobClient("only.png").Uri.AbsoluteUri, result.StandardOutput.Trim());
        Assert.Equal(await File.ReadAllBytesAsync(file), (await container.GetBlobClient("only.png").DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Upload_NestedFolder_NamesBlobsByTheirPathInsideIt()
    {
        var folder = _temp.CopyFrom(TestPaths.Data("samples"), "images");
        Directory.CreateDirectory(Path.Combine(folder, "sub", "deeper"));
        File.Move(Path.Combine(folder, SampleNames[1]), Path.Combine(folder, "sub", "deeper", "a photo é#1.jpg"));
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "not an image");
        await File.WriteAllTextAsync(Path.Combine(folder, ".hidden.png"), "not uploaded");
        var container = cloud.NewContainer();
        var queue = cloud.NewQueue();

        var result = await UploadAsync(
            container, folder, "--create-container", "--send-events", "--queue", queue.Name, "--service-bus-connection-string", cloud.Broker.ConnectionString);

        Assert.True(result.ExitCode == 0, result.StandardError);
        var names = container.GetBlobs().Select(b => b.Name).ToList();
        Assert.Equal(8, names.Count);
        Assert.Contains("sub/deeper/a photo é#1.jpg", names);
        Assert.DoesNotContain("notes.txt", names);
        await queue.WaitUntilAsync(q => q.ActiveCount == 8, Patience);
        var escaped = queue.ActiveMessages
            .Select(m => (BlobCreatedEvent)new BlobCreatedEventParser().Parse(m.Body)[0])
            .Single(e => e.BlobName == "sub/deeper/a photo é#1.jpg");
        Assert.Equal(container.GetBlobClient("sub/deeper/a photo é#1.jpg").Uri, escaped.BlobUri);
    }

    [Fact]
    public async Task Upload_ConnectionStringFromEnvironment_WorksAndIsNeverPrinted()
    {
        var container = cloud.NewContainer();

        var result = await CliProcess.RunWithEnvironmentAsync(
            new Dictionary<string, string?> { ["CLIP_STORAGE_CONNECTION_STRING"] = cloud.Azurite.ConnectionString },
            "upload", TestPaths.Data("samples"), "--container", container.Name, "--create-container", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(8, container.GetBlobs().Count());
        Assert.DoesNotContain(AzuriteServer.AccountKey, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_NoConnectionString_ExitsWithBadInputAndSaysHowToGiveOne()
    {
        var result = await CliProcess.RunWithEnvironmentAsync(NoConnectionStrings, "upload", TestPaths.Data("samples"), "--container", "images");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--storage-connection-string", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("CLIP_STORAGE_CONNECTION_STRING", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_SendEventsWithoutQueue_ExitsWithBadInputBeforeUploading()
    {
        var container = cloud.NewContainer();

        var result = await UploadAsync(
            container, TestPaths.Data("samples"), "--create-container", "--send-events", "--service-bus-connection-string", cloud.Broker.ConnectionString);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--queue", result.StandardError, StringComparison.Ordinal);
        Assert.False((await container.ExistsAsync()).Value);
    }

    [Fact]
    public async Task Upload_MissingPath_ExitsWithBadInput()
    {
        var result = await UploadAsync(cloud.NewContainer(), _temp.File("nowhere"), "--create-container");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no such file or folder", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_MissingContainerWithoutCreate_ExitsWithBadInput()
    {
        var result = await UploadAsync(cloud.NewContainer(), TestPaths.Data("samples"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--create-container", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_UnknownQueue_ExitsWithBadInputBeforeUploading()
    {
        var container = cloud.NewContainer();

        var result = await UploadAsync(
            container, TestPaths.Data("samples"), "--create-container",
            "--send-events", "--queue", "no-such-queue", "--service-bus-connection-string", cloud.Broker.ConnectionString);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("queue 'no-such-queue' does not exist", result.StandardError, StringComparison.Ordinal);
        Assert.False((await container.ExistsAsync()).Value);
    }
}
