using Clip.Ingestion.Messages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Ingestion.Folders;

/// <summary>
/// The embedded mode's source: hands every image file under a folder to the pipeline, the files already there and
/// those that arrive later, once each has stopped changing. A file given back (transient failure) is retried after a
/// delay; a file that changes after it was processed is processed again, and idempotent writes keep one result per content.
/// </summary>
public sealed class FolderMessageSource : BackgroundService, IMessageSource
{
    private readonly IMessageHandler _handler;
    private readonly FolderSourceOptions _options;
    private readonly ILogger<FolderMessageSource> _logger;
    private readonly TimeProvider _time;
    private readonly IngestionTelemetry _telemetry;
    private readonly CancellationTokenSource _drain = new();
    private readonly Dictionary<string, TrackedFile> _files = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly IIntakeThrottle? _throttle;

    public FolderMessageSource(
        IMessageHandler handler,
        IOptions<FolderSourceOptions> options,
        IngestionTelemetry telemetry,
        ILogger<FolderMessageSource> logger,
        TimeProvider time,
        IIntakeThrottle? throttle = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _handler = handler;
        _options = options.Value;
        _logger = logger;
        _time = time;
        _telemetry = telemetry;
        _throttle = throttle;
        Root = System.IO.Path.GetFullPath(_options.Path);
    }

    /// <summary>The absolute path of the watched folder.</summary>
    public string Root { get; }

    public string Description => "folder " + Root;

    public bool IsReceiving => ExecuteTask is { IsCompleted: false };

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Files in flight get until the host's shutdown timeout to finish; then their wait is cancelled.
        await using var registration = cancellationToken.Register(_drain.Cancel);
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _drain.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Directory.CreateDirectory(Root);
        Log.WatchingFolder(_logger, Root);
        using var slots = new SemaphoreSlim(_options.MaxFilesInFlight);
        var running = new List<Task>();
        var throttled = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var (file, attempt) in Scan())
                {
                    await slots.WaitAsync(stoppingToken);
                    running.RemoveAll(t => t.IsCompleted);
                    if (_throttle is { IsThrottled: true } && running.Count > 0)
                    {
                        // A dependency is down: one file at a time, which finds out when it is back.
                        if (!throttled)
                        {
                            Log.FolderThrottled(_logger, Root);
                        }

                        throttled = true;
                        await Task.WhenAll(running);
                        running.Clear();
                    }
                    else
                    {
                        throttled = false;
                    }

                    running.Add(ProcessAsync(file, attempt, slots));
                }

                await Task.Delay(_options.PollInterval, _time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
    }

    private List<(FileInfo File, int Attempt)> Scan()
    {
        var now = _time.GetUtcNow();
        var ready = new List<(FileInfo, int)>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<FileInfo> files;
        try
        {
            files = new DirectoryInfo(Root)
                .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
                .Where(f => ImageFileNames.IsCandidate(f.Name))
                .OrderBy(f => f.FullName, StringComparer.Ordinal)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.FolderScanFailed(_logger, Root, e.Message);
            return ready;
        }

        lock (_gate)
        {
            foreach (var file in files)
            {
                present.Add(file.FullName);
                var version = new FileVersion(file.Length, file.LastWriteTimeUtc);
                if (!_files.TryGetValue(file.FullName, out var tracked) || tracked.Version != version)
                {
                    tracked = new TrackedFile(version, now);
                    _files[file.FullName] = tracked;
                }

                var settled = now - tracked.FirstSeen >= _options.SettleTime || now - version.LastWriteUtc >= _options.SettleTime;
                if (tracked.State == FileState.Waiting && settled && (tracked.RetryAt is null || now >= tracked.RetryAt))
                {
                    tracked.State = FileState.InFlight;
                    tracked.Attempts++;
                    ready.Add((file, tracked.Attempts));
                }
            }

            foreach (var gone in _files.Keys.Where(path => !present.Contains(path) && _files[path].State != FileState.InFlight).ToList())
            {
                _files.Remove(gone);
            }
        }

        return ready;
    }

    private async Task ProcessAsync(FileInfo file, int attempt, SemaphoreSlim slots)
    {
        await Task.Yield();
        MessageDisposition disposition;
        try
        {
            var message = new LocalFileMessage(file.FullName, attempt, _time.GetUtcNow(), file) { IsLastDelivery = attempt >= _options.MaxAttempts };
            disposition = await _handler.HandleAsync(message, _drain.Token);
        }
        catch (OperationCanceledException) when (_drain.IsCancellationRequested)
        {
            disposition = MessageDisposition.Abandon("shutdown");
        }
#pragma warning disable CA1031 // A failing file must not stop the folder source; it is retried like a transient failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.FileHandlerFailed(_logger, e, file.FullName);
            disposition = MessageDisposition.Abandon("handler_error");
        }
        finally
        {
            slots.Release();
        }

        Settle(file, attempt, disposition);
    }

    private void Settle(FileInfo file, int attempt, MessageDisposition disposition)
    {
        lock (_gate)
        {
            if (!_files.TryGetValue(file.FullName, out var tracked))
            {
                return;
            }

            _telemetry.Settled("folder", disposition switch
            {
                MessageDisposition.Abandoned => "abandoned",
                MessageDisposition.DeadLettered => "dead_lettered",
                _ => "completed",
            });
            switch (disposition)
            {
                case MessageDisposition.Abandoned abandoned when attempt < _options.MaxAttempts:
                    tracked.State = FileState.Waiting;
                    tracked.RetryAt = _time.GetUtcNow() + _options.RetryDelay;
                    Log.FileRetrying(_logger, file.FullName, abandoned.Reason, attempt, _options.MaxAttempts);
                    break;
                case MessageDisposition.Abandoned abandoned:
                    tracked.State = FileState.Done;
                    Log.FileGivenUp(_logger, file.FullName, abandoned.Reason, attempt);
                    break;
                default:
                    tracked.State = FileState.Done;
                    break;
            }
        }
    }

    private readonly record struct FileVersion(long Length, DateTime LastWriteUtc);

    private enum FileState
    {
        Waiting,
        InFlight,
        Done,
    }

    private sealed class TrackedFile(FileVersion version, DateTimeOffset firstSeen)
    {
        public FileVersion Version { get; } = version;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public FileState State { get; set; }

        public int Attempts { get; set; }

        public DateTimeOffset? RetryAt { get; set; }
    }
}
