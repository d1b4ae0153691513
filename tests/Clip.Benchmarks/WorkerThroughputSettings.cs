using System.Globalization;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Ingestion.ServiceBus;
using Clip.Persistence;
using Clip.TestUtilities;
using Clip.Worker.Pipeline;

namespace Clip.Benchmarks;

/// <summary>Where the measured worker takes its images from.</summary>
internal enum WorkerSource
{
    /// <summary>BlobCreated events on the loopback Service Bus broker, blobs in Azurite.</summary>
    ServiceBus,

    /// <summary>The embedded mode: files in a watched folder.</summary>
    Folder,
}

/// <summary>
/// What the worker harness runs: how many images and which photos, where they come from, which database and model,
/// and the worker settings it varies.
/// </summary>
/// <remarks>The worker settings default to the worker's own option defaults, so a run without flags measures the shipped configuration.</remarks>
internal sealed record WorkerThroughputSettings(
    int Images,
    DatabaseProvider Database,
    int BatchSize,
    int PrepareConcurrency,
    int MaxConcurrentMessages,
    string ModelPath,
    string PhotosPath,
    JpegDecode JpegDecode,
    WorkerSource Source)
{
    public const string Usage =
        "usage: worker [--images N] [--db sqlite|postgres] [--batch B] [--prepare P] [--concurrency C] [--model DIR] [--photos DIR] [--jpeg exact|fast] [--source servicebus|folder]";

    public static WorkerThroughputSettings Default { get; } = new(
        2_000,
        DatabaseProvider.Sqlite,
        new PipelineOptions().BatchSize,
        new PipelineOptions().PrepareConcurrency,
        new ServiceBusSourceOptions().MaxConcurrentMessages,
        new InferenceOptions().ModelPath,
        TestPaths.Data("samples"),
        new ImageLimits().JpegDecode,
        WorkerSource.ServiceBus);

    /// <summary>The prepare concurrency the pipeline will use: 0 means one per CPU core.</summary>
    public int EffectivePrepareConcurrency => new PipelineOptions { PrepareConcurrency = PrepareConcurrency }.EffectivePrepareConcurrency;

    /// <exception cref="ArgumentException">An unknown flag, a missing value or a value out of range.</exception>
    public static WorkerThroughputSettings Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var settings = Default;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            settings = args[i] switch
            {
                "--images" => settings with { Images = Number(args[i], value, min: 1) },
                "--db" => settings with { Database = Provider(value) },
                "--batch" => settings with { BatchSize = Number(args[i], value, min: 1) },
                "--prepare" => settings with { PrepareConcurrency = Number(args[i], value, min: 0) },
                "--concurrency" => settings with { MaxConcurrentMessages = Number(args[i], value, min: 1) },
                "--model" => settings with { ModelPath = ExistingFolder(args[i], value) },
                "--photos" => settings with { PhotosPath = ExistingFolder(args[i], value) },
                "--jpeg" => settings with { JpegDecode = Jpeg(value) },
                "--source" => settings with { Source = SourceFrom(value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        return settings;
    }

    private static int Number(string flag, string value, int min) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number >= min
            ? number
            : throw new ArgumentException($"{flag} must be a whole number of at least {min}, not '{value}'.");

    private static string ExistingFolder(string flag, string value) =>
        Directory.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"{flag} must name a folder, and '{value}' is none.");

    private static DatabaseProvider Provider(string value) => value switch
    {
        "sqlite" => DatabaseProvider.Sqlite,
        "postgres" => DatabaseProvider.Postgres,
        _ => throw new ArgumentException($"--db must be sqlite or postgres, not '{value}'."),
    };

    private static JpegDecode Jpeg(string value) => value switch
    {
        "exact" => JpegDecode.Exact,
        "fast" => JpegDecode.Fast,
        _ => throw new ArgumentException($"--jpeg must be exact or fast, not '{value}'."),
    };

    private static WorkerSource SourceFrom(string value) => value switch
    {
        "servicebus" => WorkerSource.ServiceBus,
        "folder" => WorkerSource.Folder,
        _ => throw new ArgumentException($"--source must be servicebus or folder, not '{value}'."),
    };
}
