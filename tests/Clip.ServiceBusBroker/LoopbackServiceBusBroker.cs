using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Clip.ServiceBusBroker.Amqp;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Sasl;

namespace Clip.ServiceBusBroker;

/// <summary>
/// An in-process AMQP 1.0 broker on a free loopback port that the real <c>Azure.Messaging.ServiceBus</c> client talks
/// to through <see cref="ConnectionString"/>: send (single and batch), peek-lock receive, complete, abandon,
/// dead-letter, lock renewal and expiry. For tests only: every token is accepted and nothing is persisted.
/// </summary>
public sealed class LoopbackServiceBusBroker : IAsyncDisposable
{
    // The only SASL mechanism the Service Bus client offers; the token itself arrives later through $cbs.
    private const string ServiceBusSaslMechanism = "MSSBCBS";
    private const string DeadLetterQueueSuffix = "/$DeadLetterQueue";
    private const int MaxBindAttempts = 3;

    private readonly BrokerOptions _options;
    private readonly Dictionary<string, BrokerQueue> _entities = new(StringComparer.OrdinalIgnoreCase);
    private readonly StateChangeSignal _changes = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly BrokerRuntime _runtime;
    private AmqpConnectionListener? _listener;
    private Task _lockExpiryLoop = Task.CompletedTask;
    private bool _disposed;

    private LoopbackServiceBusBroker(BrokerOptions options)
    {
        _options = options;
        _runtime = new BrokerRuntime(FindEntity, options.MaxMessageSizeInBytes);
    }

    public int Port { get; private set; }

    /// <summary>A Service Bus connection string for plain TCP to this broker (<c>UseDevelopmentEmulator=true</c>).</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture,
        $"Endpoint=sb://localhost:{Port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=loopback-broker-key;UseDevelopmentEmulator=true");

    /// <summary>Starts listening on 127.0.0.1, on <see cref="BrokerOptions.Port"/> or a free port.</summary>
    public static Task<LoopbackServiceBusBroker> StartAsync(BrokerOptions? options = null)
    {
        var broker = new LoopbackServiceBusBroker(options ?? new BrokerOptions());
        broker.Listen();
        broker._lockExpiryLoop = Task.Run(broker.ExpireLocksPeriodicallyAsync);
        return Task.FromResult(broker);
    }

    /// <summary>Creates a queue and its dead-letter sub-queue.</summary>
    public BrokerQueue CreateQueue(string name, int maxDeliveryCount = 10, TimeSpan? lockDuration = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeliveryCount, 1);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var duration = lockDuration ?? _options.DefaultLockDuration;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero, nameof(lockDuration));
        lock (_entities)
        {
            if (_entities.ContainsKey(name))
            {
                throw new InvalidOperationException($"The queue '{name}' already exists.");
            }

            var deadLetterQueue = new BrokerQueue(name + DeadLetterQueueSuffix, int.MaxValue, duration, null, _options.TimeProvider, _changes);
            var queue = new BrokerQueue(name, maxDeliveryCount, duration, deadLetterQueue, _options.TimeProvider, _changes);
            _entities.Add(deadLetterQueue.Name, deadLetterQueue);
            _entities.Add(queue.Name, queue);
            return queue;
        }
    }

    /// <exception cref="KeyNotFoundException">No queue has that name.</exception>
    public BrokerQueue GetQueue(string name) =>
        FindEntity(name) ?? throw new KeyNotFoundException($"The queue '{name}' does not exist.");

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _listener?.Close();
        await _stopping.CancelAsync();
        await _lockExpiryLoop;
        _stopping.Dispose();
        List<BrokerQueue> entities;
        lock (_entities)
        {
            entities = [.. _entities.Values];
        }

        foreach (var entity in entities)
        {
            await entity.StopAsync();
        }
    }

    private BrokerQueue? FindEntity(string path)
    {
        lock (_entities)
        {
            return _entities.GetValueOrDefault(path);
        }
    }

    private async Task ExpireLocksPeriodicallyAsync()
    {
        using var timer = new PeriodicTimer(_options.LockExpiryScanInterval, _options.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                List<BrokerQueue> entities;
                lock (_entities)
                {
                    entities = [.. _entities.Values];
                }

                foreach (var entity in entities)
                {
                    entity.ExpireLocks();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private void Listen()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = _options.Port ?? FreeLoopbackPort();
            var listener = CreateListener(_runtime, port);
            try
            {
                listener.Open();
                (_listener, Port) = (listener, port);
                return;
            }
            catch (Exception exception) when (_options.Port is null && attempt < MaxBindAttempts && exception is SocketException or AmqpException)
            {
                // Another process took the port between the probe and the bind.
            }
        }
    }

    private static AmqpConnectionListener CreateListener(BrokerRuntime runtime, int port)
    {
        var sasl = new SaslTransportProvider();
        sasl.Versions.Add(new AmqpVersion(1, 0, 0));
        sasl.AddHandler(new SaslAnonymousHandler(ServiceBusSaslMechanism));
        var settings = new AmqpSettings { RuntimeProvider = runtime };
        settings.TransportProviders.Add(sasl);
        var connectionSettings = new AmqpConnectionSettings { ContainerId = "clip-loopback-service-bus" };
        return new AmqpConnectionListener([string.Create(CultureInfo.InvariantCulture, $"amqp://127.0.0.1:{port}")], settings, connectionSettings);
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
