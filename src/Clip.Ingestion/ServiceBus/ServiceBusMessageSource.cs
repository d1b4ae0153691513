using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Clip.Ingestion.Messages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Ingestion.ServiceBus;

/// <summary>
/// Receives BlobCreated messages from a Service Bus queue in PeekLock mode and settles each one explicitly after the
/// pipeline is done with it: complete once its results are committed, abandon on transient failure, dead-letter
/// poison with a reason. A message whose lock was lost is never settled. Locks are renewed while the pipeline holds
/// a message, up to <see cref="ServiceBusSourceOptions.MaxLockRenewalDuration"/>.
/// </summary>
public sealed class ServiceBusMessageSource : IHostedService, IMessageSource, IAsyncDisposable
{
    private const int MaxDeadLetterTextLength = 4096;

    private readonly IMessageHandler _handler;
    private readonly ServiceBusSourceOptions _options;
    private readonly IngestionTelemetry _telemetry;
    private readonly ILogger<ServiceBusMessageSource> _logger;
    private readonly IIntakeThrottle? _throttle;
    private readonly CancellationTokenSource _drain = new();
    private readonly CancellationTokenSource _stopWatching = new();
    private ServiceBusClient? _client;
    private ServiceBusProcessor? _processor;
    private Task? _watching;

    public ServiceBusMessageSource(
        IMessageHandler handler,
        IOptions<ServiceBusSourceOptions> options,
        IngestionTelemetry telemetry,
        ILogger<ServiceBusMessageSource> logger,
        IIntakeThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _handler = handler;
        _options = options.Value;
        _telemetry = telemetry;
        _logger = logger;
        _throttle = throttle;
    }

    /// <summary>How often the throttle is looked at; a dependency that comes back is noticed within this.</summary>
    internal static TimeSpan ThrottleCheckInterval { get; } = TimeSpan.FromSeconds(1);

    public string Description => $"Service Bus queue {_options.QueueName}";

    public bool IsReceiving => _processor is { IsProcessing: true, IsClosed: false };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var clientOptions = new ServiceBusClientOptions { Identifier = $"clip-worker-{Environment.MachineName}" };
        _client = string.IsNullOrWhiteSpace(_options.ConnectionString)
            ? new ServiceBusClient(_options.FullyQualifiedNamespace, new DefaultAzureCredential(), clientOptions)
            : new ServiceBusClient(_options.ConnectionString, clientOptions);
        _processor = _client.CreateProcessor(_options.QueueName, new ServiceBusProcessorOptions
        {
            ReceiveMode = ServiceBusReceiveMode.PeekLock,
            AutoCompleteMessages = false,
            MaxConcurrentCalls = _options.MaxConcurrentMessages,
            PrefetchCount = _options.PrefetchCount,
            MaxAutoLockRenewalDuration = _options.MaxLockRenewalDuration,
        });
        _processor.ProcessMessageAsync += OnMessageAsync;
        _processor.ProcessErrorAsync += OnErrorAsync;
        await _processor.StartProcessingAsync(cancellationToken);
        Log.ReceivingFromQueue(_logger, _options.QueueName!, _client.FullyQualifiedNamespace);
        if (_throttle is not null)
        {
            _watching = WatchThrottleAsync(_processor, _throttle, _stopWatching.Token);
        }
    }

    /// <summary>
    /// Drops the processor to one concurrent message while the throttle says so, and back when it clears. Messages
    /// already held keep their slots until they finish; no new one is received until fewer than one are in flight.
    /// </summary>
    private async Task WatchThrottleAsync(ServiceBusProcessor processor, IIntakeThrottle throttle, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ThrottleCheckInterval);
        var throttled = false;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                if (throttle.IsThrottled == throttled)
                {
                    continue;
                }

                throttled = !throttled;
                processor.UpdateConcurrency(throttled ? 1 : _options.MaxConcurrentMessages);
                if (throttled)
                {
                    Log.IntakeThrottled(_logger, _options.QueueName!);
                }
                else
                {
                    Log.IntakeResumed(_logger, _options.QueueName!, _options.MaxConcurrentMessages);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_processor is null)
        {
            return;
        }

        await _stopWatching.CancelAsync();
        if (_watching is not null)
        {
            await _watching;
        }

        // In-flight messages get until the host's shutdown timeout; after that their wait is cancelled and they are abandoned.
        await using var registration = cancellationToken.Register(_drain.Cancel);
        await _processor.StopProcessingAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_processor is not null)
        {
            await _processor.DisposeAsync();
        }

        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        _drain.Dispose();
        _stopWatching.Dispose();
    }

    private async Task OnMessageAsync(ProcessMessageEventArgs args)
    {
        var message = args.Message;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_drain.Token);
        var lockLost = false;
        args.MessageLockLostAsync += _ =>
        {
            lockLost = true;
            stop.Cancel();
            return Task.CompletedTask;
        };

        MessageDisposition disposition;
        try
        {
            var inbound = new EventMessage(message.MessageId, message.DeliveryCount, message.EnqueuedTime, message.Body.ToMemory())
            {
                IsLastDelivery = message.DeliveryCount >= _options.MaxDeliveryCount,
            };
            disposition = await _handler.HandleAsync(inbound, stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            disposition = MessageDisposition.Abandon("shutdown");
        }

        if (lockLost)
        {
            // Settling would fail, and the message is someone else's now; idempotent writes absorb whatever was committed.
            Log.LockLost(_logger, message.MessageId, message.DeliveryCount);
            _telemetry.Settled("servicebus", "lock_lost");
            return;
        }

        await SettleAsync(args, disposition);
    }

    private async Task SettleAsync(ProcessMessageEventArgs args, MessageDisposition disposition)
    {
        var message = args.Message;
        try
        {
            switch (disposition)
            {
                case MessageDisposition.Completed:
                    await args.CompleteMessageAsync(message, CancellationToken.None);
                    _telemetry.Settled("servicebus", "completed");
                    break;
                case MessageDisposition.Abandoned abandoned:
                    await args.AbandonMessageAsync(message, cancellationToken: CancellationToken.None);
                    Log.Abandoned(_logger, message.MessageId, message.DeliveryCount, abandoned.Reason);
                    _telemetry.Settled("servicebus", "abandoned");
                    break;
                case MessageDisposition.DeadLettered dead:
                    await args.DeadLetterMessageAsync(message, Truncate(dead.Reason), Truncate(dead.Description), CancellationToken.None);
                    Log.DeadLettered(_logger, message.MessageId, dead.Reason, dead.Description);
                    _telemetry.Settled("servicebus", "dead_lettered");
                    break;
            }
        }
        catch (ServiceBusException e) when (e.Reason == ServiceBusFailureReason.MessageLockLost)
        {
            Log.LockLost(_logger, message.MessageId, message.DeliveryCount);
            _telemetry.Settled("servicebus", "lock_lost");
        }
        catch (Exception e) when (e is ServiceBusException or TimeoutException or UnauthorizedAccessException)
        {
            // Unsettled, the message comes back when its lock expires; its results are already committed.
            Log.SettleFailed(_logger, e, message.MessageId, disposition.GetType().Name);
            _telemetry.Settled("servicebus", "settle_failed");
        }
    }

    private Task OnErrorAsync(ProcessErrorEventArgs args)
    {
        Log.ReceiveError(_logger, args.Exception, args.ErrorSource.ToString(), args.EntityPath);
        return Task.CompletedTask;
    }

    private static string Truncate(string text) => text.Length <= MaxDeadLetterTextLength ? text : text[..MaxDeadLetterTextLength];
}
