using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Azure.Messaging.ServiceBus;
using Clip.Ingestion.Events;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;
using Microsoft.Data.Sqlite;

namespace Clip.Worker.Tests;

/// <summary>A blob whose every read fails transiently: backed off, then dead-lettered by the worker with its reason.</summary>
public sealed class TransientExhaustionTests : IDisposable
{
    private const string Account = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(4);
    private readonly TemporaryDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public async Task Worker_BlobThatAlwaysFailsTransiently_IsDeadLetteredByTheWorkerAfterItsRetryBudgetOnTheLastDelivery()
    {
        // Storage that accepts every connection and closes it at once: "connection closed", a transient failure.
        using var storage = new TcpListener(IPAddress.Loopback, 0);
        storage.Start();
        var port = ((IPEndPoint)storage.LocalEndpoint).Port;
        var connections = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await storage.AcceptTcpClientAsync(stop.Token);
                connections.Enqueue(Stopwatch.GetTimestamp());
                client.Client.Close(0);
            }
        });

        await using var broker = await LoopbackServiceBusBroker.StartAsync();
        var queue = broker.CreateQueue("images", maxDeliveryCount: 2, TimeSpan.FromSeconds(30));
        var endpoint = $"http://127.0.0.1:{port}/{AzuriteServer.AccountName}";
        var settings = WorkerRun.Defaults(_temp);
        settings["Clip:ServiceBus:ConnectionString"] = broker.ConnectionString;
        settings["Clip:ServiceBus:QueueName"] = "images";
        settings["Clip:ServiceBus:MaxDeliveryCount"] = "2";
        settings["Clip:Storage:ConnectionString"] =
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteServer.AccountName};AccountKey={AzuriteServer.AccountKey};BlobEndpoint={endpoint};";
        settings["Clip:Sources:AllowLoopbackForDevelopment"] = "true";
        settings["Clip:Sources:AllowedContainers:0"] = endpoint + "/images";
        settings["Clip:Database:ConnectionString"] = $"Data Source={_temp.File("clip.db")}";
        settings["Clip:Pipeline:RetryBudget"] = Budget.ToString();
        settings["Clip:Pipeline:RetryDelay"] = "00:00:00.250";
        settings["Clip:Pipeline:RetryMaxDelay"] = "00:00:01";
        var blob = new BlobCreatedEvent("e-1", new Uri(endpoint + "/images/flaky.png"), "images", "flaky.png", "0x8D4BCC2E4835CD0", 100, "image/png", "PutBlob");
        await using (var client = new ServiceBusClient(broker.ConnectionString))
        await using (var sender = client.CreateSender("images"))
        {
            await sender.SendMessageAsync(new ServiceBusMessage(BlobCreatedEventWriter.EventGrid(blob, Account, DateTimeOffset.UtcNow)) { MessageId = "flaky" });
        }

        await using (var worker = await WorkerRun.StartAsync(settings))
        {
            await queue.WaitUntilAsync(q => q.DeadLetters.Count == 1, TimeSpan.FromMinutes(1));
            var failures = await worker.Store.GetFailuresAsync();
            var failure = Assert.Single(failures);
            Assert.Equal((endpoint + "/images/flaky.png", "retries_exhausted:transient"), (failure.SourceUri, failure.Reason));
            Assert.Equal("download", failure.Stage.ToString().ToLowerInvariant());
        }

        await stop.CancelAsync();
        await accepting.ContinueWith(static _ => { }, TaskScheduler.Default);
        var dead = Assert.Single(queue.DeadLetters);
        Assert.Equal("retries_exhausted:transient", dead.DeadLetterReason);
        Assert.Equal(2, dead.DeliveryCount); // dead-lettered by the worker on its last delivery, not by the broker past it
        Assert.Equal(0, queue.ActiveCount);

        // Both deliveries were held for the budget with backed-off retries: seconds, not the 150 ms of ten quick abandons.
        var times = connections.ToArray();
        var span = Stopwatch.GetElapsedTime(times[0], times[^1]);
        Assert.True(span >= (2 * Budget) - TimeSpan.FromSeconds(2), $"every read failed within {span.TotalSeconds:F1} s");
        Assert.InRange(times.Length, 4, 200);
    }
}
