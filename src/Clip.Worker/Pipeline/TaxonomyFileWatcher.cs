using System.Security.Cryptography;
using Clip.Inference.Taxonomies;
using Clip.Labeling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Clip.Worker.Pipeline;

/// <summary>
/// When the taxonomy is a file (a mounted ConfigMap in Kubernetes), checks its content every
/// <see cref="PipelineOptions.TaxonomyPollInterval"/> and switches the engine to the new version when it changes;
/// a file that no longer parses is logged and the current taxonomy stays. Content is compared, not timestamps, so
/// the symlink swap a ConfigMap update makes is seen like any edit.
/// </summary>
internal sealed class TaxonomyFileWatcher(LabelingEngine engine, PipelineOptions options, TimeProvider time, ILogger<TaxonomyFileWatcher> logger)
    : BackgroundService
{
    private byte[]? _lastSeen;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = options.Taxonomy;
        if (options.TaxonomyPollInterval <= TimeSpan.Zero || !File.Exists(path))
        {
            return; // A shipped taxonomy (by name) never changes while the worker runs.
        }

        // No baseline from the file: it may already differ from what the engine loaded; the first check compares versions.
        using var timer = new PeriodicTimer(options.TaxonomyPollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await CheckAsync(path, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task CheckAsync(string path, CancellationToken cancellationToken)
    {
        byte[]? hash;
        try
        {
            hash = Hash(path);
        }
        catch (IOException e)
        {
            Log.TaxonomyUnreadable(logger, path, e.Message);
            return;
        }

        if (hash is null || (_lastSeen is not null && hash.AsSpan().SequenceEqual(_lastSeen)))
        {
            return;
        }

        _lastSeen = hash;
        try
        {
            var taxonomy = StandardTaxonomies.Load(path, engine.Model.Tokenizer);
            if (taxonomy.Version == engine.TaxonomyVersion)
            {
                return;
            }

            var previous = engine.TaxonomyVersion;
            await engine.UseTaxonomyAsync(taxonomy, cancellationToken);
            Log.TaxonomySwapped(logger, path, previous, taxonomy.Version);
        }
        catch (TaxonomyException e)
        {
            Log.TaxonomyRefused(logger, path, e.Message);
        }
    }

    private static byte[]? Hash(string path) => File.Exists(path) ? SHA256.HashData(File.ReadAllBytes(path)) : null;
}
