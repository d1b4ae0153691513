using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Clip.Worker;

/// <summary>Builds and runs the worker's web host (the pipeline plus its health endpoints).</summary>
public static class WorkerHost
{
    public static WebApplication Build(string[] args)
    {
        // appsettings.json ships next to the binary; relative paths in settings (inbox, clip.db) still resolve against the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.AddClipWorker();
        var app = builder.Build();
        app.MapClipWorkerHealthChecks();
        return app;
    }

    /// <summary>Runs until SIGTERM or Ctrl+C; configuration problems print one clear line and exit 2.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            await using var app = Build(args);
            await app.RunAsync();
            return 0;
        }
        catch (Exception e) when (e is OptionsValidationException or ModelBundleException or TaxonomyException or ExecutionProviderUnavailableException)
        {
            await Console.Error.WriteLineAsync($"clip-worker: configuration error: {e.Message}");
            return 2;
        }
    }
}
