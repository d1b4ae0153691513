using System.Globalization;
using Clip.ServiceBusBroker;

// A stand-in for Service Bus on a developer's machine: `dotnet run --project tests/Clip.ServiceBusBroker -- --queue images`.
// Messages live in memory and are gone when it stops.
var port = 5672;
var queues = new List<string>();
var maxDeliveryCount = 10;
for (var i = 0; i < args.Length; i++)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--port" when int.TryParse(value, CultureInfo.InvariantCulture, out var p):
            port = p;
            i++;
            break;
        case "--queue" when !string.IsNullOrWhiteSpace(value):
            queues.Add(value);
            i++;
            break;
        case "--max-delivery-count" when int.TryParse(value, CultureInfo.InvariantCulture, out var m) && m > 0:
            maxDeliveryCount = m;
            i++;
            break;
        default:
            await Console.Error.WriteLineAsync("usage: Clip.ServiceBusBroker --queue NAME [--queue NAME...] [--port 5672] [--max-delivery-count 10]");
            return 2;
    }
}

if (queues.Count == 0)
{
    await Console.Error.WriteLineAsync("usage: Clip.ServiceBusBroker --queue NAME [--queue NAME...] [--port 5672] [--max-delivery-count 10]");
    return 2;
}

await using var broker = await LoopbackServiceBusBroker.StartAsync(new BrokerOptions { Port = port });
var created = queues.Select(name => broker.CreateQueue(name, maxDeliveryCount)).ToList();
Console.WriteLine($"Loopback Service Bus on 127.0.0.1:{broker.Port}, queues: {string.Join(", ", queues)}");
Console.WriteLine($"Connection string: {broker.ConnectionString}");
Console.WriteLine("Ctrl+C to stop.");

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var queue in created)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{queue.Name}: {queue.CompletedCount} completed, {queue.DeadLetters.Count} dead-lettered, {queue.ActiveCount} left"));
}

return 0;
