using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Clip.Ingestion.Events;
using Clip.Ingestion.ServiceBus;
using Clip.Persistence;
using Clip.ServiceBusBroker;
using Clip.TestUtilities;
using Clip.Worker;
using Clip.Worker.Pipeline;
using Clip.Worker.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Benchmarks;

/// <summary>
/// The whole worker over real protocols: blobs in Azurite, BlobCreated events on the loopback Service Bus broker, the
/// real worker host with the bundled tiny model, results in SQLite or a throwaway PostgreSQL. All N images are uploaded
/// and all N events sent before the worker starts, so the producer never holds it back. A warm-up worker host first
/// labels a few images from its own queue (JIT, the on-disk class-matrix cache, the schema); the measured host's
/// start (model load) is timed separately, and the clock runs from its start returning until every message is settled.
/// Run: <c>dotnet run -c Release --project tests/Clip.Benchmarks -- worker [--images N] [--db sqlite|postgres]
/// [--batch B] [--prepare P] [--concurrency C]</c>.
/// </summary>
internal static class WorkerThroughput
{
    private const int WarmUpImages = 32;
    private const int UploadConcurrency = 8;
    private const string Account = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        WorkerThroughputSettings settings;
        try
        {
            settings = WorkerThroughputSettings.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n{WorkerThroughputSettings.Usage}");
            return 2;
        }

        using var temp = new TemporaryDirectory();
        using var azurite = new AzuriteServer();
        using var postgres = settings.Database == DatabaseProvider.Postgres ? new PostgresServer() : null;
        await azurite.InitializeAsync();
        await using var broker = await LoopbackServiceBusBroker.StartAsync();
        await using var serviceBus = new ServiceBusClient(broker.ConnectionString);
        string database;
        if (postgres is null)
        {
            database = $"Data Source={temp.File("clip.db")}";
        }
        else
        {
            await postgres.InitializeAsync();
            database = await postgres.CreateDatabaseAsync();
        }

        var samples = Directory.GetFiles(TestPaths.Data("samples")).Order(StringComparer.Ordinal)
            .Select(path => (Name: Path.GetFileName(path), Bytes: File.ReadAllBytes(path))).ToArray();
        var cloud = new Cloud(azurite, broker, serviceBus, samples);
        var worker = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Clip:Inference:Device"] = "cpu",
            ["Clip:ZeroShot:CacheDirectory"] = temp.File("class-matrices"),
            ["Clip:Database:Provider"] = settings.Database.ToString(),
            ["Clip:Database:ConnectionString"] = database,
            ["Clip:Storage:ConnectionString"] = azurite.ConnectionString,
            ["Clip:Sources:AllowLoopbackForDevelopment"] = "true",
            ["Clip:Pipeline:BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Clip:Pipeline:PrepareConcurrency"] = settings.PrepareConcurrency.ToString(CultureInfo.InvariantCulture),
            ["Clip:ServiceBus:ConnectionString"] = broker.ConnectionString,
            ["Clip:ServiceBus:MaxConcurrentMessages"] = settings.MaxConcurrentMessages.ToString(CultureInfo.InvariantCulture),
        };

        var warmUp = await cloud.FillQueueAsync("warmup", WarmUpImages);
        await RunWorkerAsync(warmUp.Configure(worker), warmUp.Queue, WarmUpImages);
        var measured = await cloud.FillQueueAsync("measured", settings.Images);
        var run = await RunWorkerAsync(measured.Configure(worker), measured.Queue, settings.Images);
        SqliteConnection.ClearAllPools();
        Report(settings, measured, run);
        return run.DeadLettered == 0 && run.Totals.ImagesLabelled == settings.Images ? 0 : 1;
    }

    private static async Task<Run> RunWorkerAsync(IReadOnlyDictionary<string, string?> settings, BrokerQueue queue, int images)
    {
        await using var app = WorkerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        var starting = Stopwatch.GetTimestamp();
        await app.StartAsync();
        var startup = Stopwatch.GetElapsedTime(starting);
        var cpu = CpuSample.Now();
        var running = Stopwatch.GetTimestamp();
        await queue.WaitUntilAsync(q => q.CompletedCount + (q.DeadLetterQueue?.ActiveCount ?? 0) >= images, Patience);
        var wall = Stopwatch.GetElapsedTime(running);
        var used = CpuSample.Now() - cpu;
        var totals = app.Services.GetRequiredService<WorkerTelemetry>().Totals();
        await app.StopAsync();
        return new Run(startup, wall, totals, queue.DeadLetterQueue?.ActiveCount ?? 0, used);
    }

    private static void Report(WorkerThroughputSettings settings, FilledQueue measured, Run run)
    {
        var totals = run.Totals;
        var wall = run.Wall.TotalSeconds;
        var images = settings.Images;
        var prepare = settings.EffectivePrepareConcurrency;
        var pipeline = new PipelineOptions();
        Print($"worker throughput, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        Print($"machine: {Environment.ProcessorCount} logical cores (Environment.ProcessorCount), {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime on CPU");
        Print($"settings: db {settings.Database.ToString().ToLowerInvariant()}, batch {settings.BatchSize} (deadline {pipeline.BatchDeadline.TotalMilliseconds:0} ms), prepare {prepare}{(settings.PrepareConcurrency == 0 ? " (one per core)" : "")}, concurrency {settings.MaxConcurrentMessages} messages, prefetch {new ServiceBusSourceOptions().PrefetchCount}, taxonomy {pipeline.Taxonomy}");
        Print($"before the worker started: {images} distinct blobs uploaded in {measured.Upload.TotalSeconds:0.0} s, {images} events sent in {measured.Send.TotalSeconds:0.0} s");
        Print($"excluded: a warm-up host over {WarmUpImages} images on its own queue; the measured host's start (model load, cached class matrix) took {run.Startup.TotalSeconds:0.00} s");
        Print($"clock: from the measured host's start returning until all {images} messages were settled");
        Print($"");
        Print($"| metric | value |");
        Print($"|---|---|");
        Print($"| images | {images} ({totals.ImagesLabelled} labelled, {totals.ImagesFailed} failed, {totals.ImagesSkipped} skipped, {totals.ImagesGivenBack} given back, {run.DeadLettered} dead-lettered) |");
        Print($"| wall | {wall:0.00} s |");
        Print($"| images/s | {images / wall:0.0} |");
        Print($"| batches | {totals.Batches} (mean {(totals.Batches == 0 ? 0 : (double)totals.ImagesLabelled / totals.Batches):0.0} images) |");
        Print($"| encoder busy (encode / wall) | {Percent(totals.EncodeTime.TotalSeconds / wall)} |");
        Print($"| max images held | {totals.MaxImagesHeld} |");
        Print($"");
        Print($"| stage | summed s | ms per image | busy |");
        Print($"|---|---|---|---|");
        Stage("fetch (download)", totals.FetchTime, prepare);
        Stage("decode + preprocess", totals.DecodeTime, prepare);
        Stage("encode (one encoder)", totals.EncodeTime, 1);
        Stage("write (one writer)", totals.WriteTime, 1);
        Print($"");
        Print($"| CPU while measured | share of {Environment.ProcessorCount} cores | CPU ms per image |");
        Print($"|---|---|---|");
        var cpu = run.Cpu;
        Cpu("this process (worker, broker, harness)", cpu.Process);
        Cpu("Azurite (child process)", cpu.Children);
        Cpu("other processes at normal priority (PostgreSQL, ...)", cpu.Normal - cpu.Process - cpu.Children);
        Cpu("niced processes (other work on this machine)", cpu.Niced);
        Cpu("idle", cpu.Idle);

        if (totals.ImagesLabelled != images)
        {
            Print($"");
            Print($"INCOMPLETE: {images - totals.ImagesLabelled} of {images} images were not labelled (see the warnings above); these numbers do not measure throughput.");
        }

        void Cpu(string name, double seconds) =>
            Print($"| {name} | {Percent(seconds / wall / Environment.ProcessorCount)} | {seconds * 1000 / images:0.00} |");

        void Stage(string name, TimeSpan time, int workers) => Print(
            $"| {name} | {time.TotalSeconds:0.00} | {time.TotalMilliseconds / images:0.00} | {Percent(time.TotalSeconds / wall / workers)}{(workers > 1 ? $" of {workers} prepare slots" : "")} |");
    }

    private static string Percent(double fraction) => fraction.ToString("0%", CultureInfo.InvariantCulture);

    private static void Print(FormattableString line) => Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    /// <summary>The blob container, queue and event sender side of a run.</summary>
    private sealed class Cloud(AzuriteServer azurite, LoopbackServiceBusBroker broker, ServiceBusClient serviceBus, (string Name, byte[] Bytes)[] samples)
    {
        /// <summary>
        /// Uploads <paramref name="count"/> blobs, each with its own content (a sample with its index appended after the
        /// image data, which decoders ignore), and sends one BlobCreated event per blob to a new queue.
        /// </summary>
        public async Task<FilledQueue> FillQueueAsync(string prefix, int count)
        {
            var name = prefix + Guid.NewGuid().ToString("N")[..12];
            var queue = broker.CreateQueue(name);
            var container = new BlobContainerClient(azurite.ConnectionString, name);
            await container.CreateAsync();

            var started = Stopwatch.GetTimestamp();
            var events = new BlobCreatedEvent[count];
            await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = UploadConcurrency }, async (i, ct) =>
            {
                var sample = samples[i % samples.Length];
                var blobName = $"{i:D6}-{sample.Name}";
                byte[] content = [.. sample.Bytes, .. Encoding.ASCII.GetBytes($"clip-benchmark {name} {i}")];
                var blob = container.GetBlobClient(blobName);
                var info = (await blob.UploadAsync(new BinaryData(content), overwrite: true, ct)).Value;
                var contentType = sample.Name.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg";
                events[i] = new BlobCreatedEvent(
                    Guid.NewGuid().ToString(), blob.Uri, name, blobName, info.ETag.ToString().Trim('"'), content.LongLength, contentType, "PutBlob");
            });
            var upload = Stopwatch.GetElapsedTime(started);

            started = Stopwatch.GetTimestamp();
            await using var sender = serviceBus.CreateSender(name);
            var unsent = new Queue<ServiceBusMessage>(events.Select(e =>
                new ServiceBusMessage(BlobCreatedEventWriter.EventGrid(e, Account, DateTimeOffset.UtcNow)) { MessageId = e.Id, ContentType = "application/json" }));
            while (unsent.Count > 0)
            {
                using var batch = await sender.CreateMessageBatchAsync();
                while (unsent.Count > 0 && batch.TryAddMessage(unsent.Peek()))
                {
                    unsent.Dequeue();
                }

                await sender.SendMessagesAsync(batch);
            }

            return new FilledQueue(queue, $"{azurite.BlobEndpoint}/{name}", upload, Stopwatch.GetElapsedTime(started));
        }
    }

    private sealed record FilledQueue(BrokerQueue Queue, string Container, TimeSpan Upload, TimeSpan Send)
    {
        /// <summary>The worker settings with this queue and container added.</summary>
        public Dictionary<string, string?> Configure(IReadOnlyDictionary<string, string?> worker) => new(worker)
        {
            ["Clip:ServiceBus:QueueName"] = Queue.Name,
            ["Clip:Sources:AllowedContainers:0"] = Container,
        };
    }

    private sealed record Run(TimeSpan Startup, TimeSpan Wall, PipelineTotals Totals, int DeadLettered, CpuSample Cpu);

    /// <summary>
    /// CPU seconds since boot from /proc (all 0 where there is none, as off Linux): the whole machine at normal priority
    /// and niced, idle, this process, and its direct children (Azurite). The harness, worker, broker, Azurite and PostgreSQL
    /// all run at normal priority.
    /// </summary>
    private sealed record CpuSample(double Normal, double Niced, double Idle, double Process, double Children)
    {
        private const double ClockTicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture .NET runs on.

        public static CpuSample Now()
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            var processSeconds = self.TotalProcessorTime.TotalSeconds;
            if (!File.Exists("/proc/stat"))
            {
                return new CpuSample(0, 0, 0, processSeconds, 0);
            }

            // "cpu  user nice system idle iowait irq softirq steal guest ...": guest time is already counted in user.
            var ticks = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var normal = ticks[0] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
            return new CpuSample(
                normal / ClockTicksPerSecond, ticks[1] / ClockTicksPerSecond, (ticks[3] + ticks[4]) / ClockTicksPerSecond, processSeconds, ChildrenSeconds());
        }

        public static CpuSample operator -(CpuSample left, CpuSample right) => new(
            left.Normal - right.Normal, left.Niced - right.Niced, left.Idle - right.Idle, left.Process - right.Process, left.Children - right.Children);

        private static double ChildrenSeconds()
        {
            var parent = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            long ticks = 0;
            foreach (var directory in Directory.EnumerateDirectories("/proc").Where(d => Path.GetFileName(d).All(char.IsAsciiDigit)))
            {
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(directory, "stat"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue; // The process exited while we looked.
                }

                // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so count fields after its closing parenthesis.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (fields[1] == parent)
                {
                    ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                }
            }

            return ticks / ClockTicksPerSecond;
        }
    }
}
