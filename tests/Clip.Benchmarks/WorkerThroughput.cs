using System.Diagnostics;
using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Worker;
using Clip.Worker.Telemetry;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Clip.Benchmarks;

/// <summary>
/// The whole worker against its encoder alone. The worker runs over real protocols: blobs in Azurite and BlobCreated
/// events on the loopback Service Bus broker, or files in a watched folder; the real worker host with the chosen model
/// on CPU; results in SQLite or a throwaway PostgreSQL. All N images are in place before the worker starts, so the
/// producer never holds it back. A warm-up host first labels a few images of its own (JIT, the on-disk class-matrix
/// cache, the schema); the measured host's start (model load) is timed separately, and the clock runs from its start
/// returning until every image is settled. Right before and right after that run, the same vision graph encodes full
/// batches alone in this process; before everything, one thread preprocesses the photos alone.
/// Run: <c>dotnet run -c Release --project tests/Clip.Benchmarks -- worker [flags]</c>, flags in <see cref="WorkerThroughputSettings.Usage"/>.
/// </summary>
internal static class WorkerThroughput
{
    public const int WarmUpImages = 32;
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        WorkerThroughputSettings settings;
        BenchmarkPhotos photos;
        ModelBundle bundle;
        try
        {
            settings = WorkerThroughputSettings.Parse(args);
            photos = BenchmarkPhotos.Load(settings.PhotosPath);
            bundle = ModelBundle.Load(settings.ModelPath);
        }
        catch (Exception e) when (e is ArgumentException or ModelBundleException)
        {
            await Console.Error.WriteLineAsync($"{e.Message}\n{WorkerThroughputSettings.Usage}");
            return 2;
        }

        var inference = new InferenceOptions { ModelPath = bundle.DirectoryPath, Device = ExecutionDevice.Cpu };
        var limits = new ImageLimits { JpegDecode = settings.JpegDecode };
        var preprocessor = new ImagePreprocessor(bundle.Preprocessor, limits);
        PrepareRate prepareAlone;
        try
        {
            prepareAlone = PrepareRate.Measure(preprocessor, photos);
        }
        catch (ImageRejectedException e)
        {
            await Console.Error.WriteLineAsync($"A photo of {photos.Folder} does not decode with its distinguishing tag appended: {e.Message}");
            return 1;
        }

        using var encoderOnly = EncoderOnlyRate.Create(inference, bundle, preprocessor, photos, settings.BatchSize);
        using var temp = new TemporaryDirectory();
        using var postgres = settings.Database == DatabaseProvider.Postgres ? new PostgresServer() : null;
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

        await using IWorkerFeed feed = settings.Source == WorkerSource.ServiceBus
            ? await ServiceBusFeed.StartAsync(photos, settings.MaxConcurrentMessages)
            : new FolderFeed(temp.File("inboxes"), photos);
        var worker = new Dictionary<string, string?>(feed.HostSettings)
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            ["Clip:Inference:ModelPath"] = inference.ModelPath,
            ["Clip:Inference:Device"] = inference.Device.ToString(),
            ["Clip:Images:JpegDecode"] = limits.JpegDecode.ToString(),
            ["Clip:ZeroShot:CacheDirectory"] = temp.File("class-matrices"),
            ["Clip:Database:Provider"] = settings.Database.ToString(),
            ["Clip:Database:ConnectionString"] = database,
            ["Clip:Pipeline:BatchSize"] = settings.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["Clip:Pipeline:PrepareConcurrency"] = settings.PrepareConcurrency.ToString(CultureInfo.InvariantCulture),
        };

        var warmUp = await feed.FillAsync("warmup", WarmUpImages);
        await RunWorkerAsync(worker, warmUp);
        var measured = await feed.FillAsync("measured", settings.Images);
        var encoderBefore = encoderOnly.Measure();
        var run = await RunWorkerAsync(worker, measured);
        var encoderAfter = encoderOnly.Measure();
        SqliteConnection.ClearAllPools();
        new WorkerThroughputReport(settings, photos, bundle, preprocessor.JpegBackend, feed, measured, run, new EncoderRates(encoderBefore, encoderAfter), prepareAlone).Print();
        return run.DeadLettered == 0 && run.Totals.ImagesLabelled == settings.Images ? 0 : 1;
    }

    private static async Task<WorkerRun> RunWorkerAsync(IReadOnlyDictionary<string, string?> worker, FilledFeed images)
    {
        var settings = new Dictionary<string, string?>(worker);
        foreach (var (key, value) in images.HostSettings)
        {
            settings[key] = value;
        }

        await using var app = WorkerHost.Build(settings.Select(s => $"--{s.Key}={s.Value}").ToArray());
        var starting = Stopwatch.GetTimestamp();
        await app.StartAsync();
        var startup = Stopwatch.GetElapsedTime(starting);
        var telemetry = app.Services.GetRequiredService<WorkerTelemetry>();
        var cpu = CpuSample.Now();
        var running = Stopwatch.GetTimestamp();
        await images.WaitUntilDoneAsync(telemetry, Patience);
        var wall = Stopwatch.GetElapsedTime(running);
        var used = CpuSample.Now() - cpu;
        var totals = telemetry.Totals();
        await app.StopAsync();
        return new WorkerRun(startup, wall, totals, images.DeadLettered, used);
    }
}

/// <summary>One measured worker host: its start, the wall time until every image was settled, what its telemetry counted, and the CPU used meanwhile.</summary>
internal sealed record WorkerRun(TimeSpan Startup, TimeSpan Wall, PipelineTotals Totals, int DeadLettered, CpuSample Cpu);

/// <summary>The encoder-only rate (images/s) measured right before and right after the worker run.</summary>
internal sealed record EncoderRates(double Before, double After)
{
    public double Mean => (Before + After) / 2;
}
