using Clip.Inference;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Taxonomies;
using Clip.Persistence;
using Cronos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Clip.Training.Retraining;

/// <summary>
/// The retraining job as a process: once and exit (a Kubernetes CronJob), or on a cron schedule in process when
/// <c>Clip:Retraining:Schedule</c> is set (the embedded mode). Exit codes: 0 the run finished (promoted, kept, or not
/// enough data), 1 it failed, 2 the configuration is wrong.
/// </summary>
public static class RetrainingHost
{
    public const string ScheduleKey = RetrainingOptions.SectionName + ":Schedule";

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Services.AddClipInference(builder.Configuration);
        builder.Services.AddClipPersistence(builder.Configuration);
        builder.Services.AddClipRetraining(builder.Configuration);
        try
        {
            var schedule = ParseSchedule(builder.Configuration[ScheduleKey]);
            using var host = builder.Build();
            await host.StartAsync();
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RetrainingHost));
            var exitCode = schedule is null
                ? await RunOnceAsync(host.Services, lifetime.ApplicationStopping)
                : await RunOnScheduleAsync(host.Services, schedule, logger, lifetime.ApplicationStopping);
            await host.StopAsync();
            return exitCode;
        }
        catch (Exception e) when (e is OptionsValidationException or ModelBundleException or TaxonomyException or ExecutionProviderUnavailableException)
        {
            await Console.Error.WriteLineAsync($"clip-training: configuration error: {e.Message}");
            return 2;
        }
        catch (TorchUnavailableException e)
        {
            await Console.Error.WriteLineAsync($"clip-training: error: {e.Message}");
            return 1;
        }
    }

    /// <summary>A standard five-field cron expression, evaluated in UTC; none means run once and exit.</summary>
    private static CronExpression? ParseSchedule(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return CronExpression.Parse(text);
        }
        catch (CronFormatException e)
        {
            throw new OptionsValidationException(
                ScheduleKey, typeof(RetrainingOptions), [$"{ScheduleKey} '{text}' is not a cron expression such as '0 3 * * *': {e.Message}"]);
        }
    }

    private static async Task<int> RunOnceAsync(IServiceProvider services, CancellationToken ct)
    {
        var report = await services.GetRequiredService<RetrainingJob>().RunAsync(ct);
        await Console.Out.WriteAsync(RetrainingReportText.Format(report));
        return 0;
    }

    private static async Task<int> RunOnScheduleAsync(IServiceProvider services, CronExpression schedule, ILogger logger, CancellationToken ct)
    {
        var time = services.GetRequiredService<TimeProvider>();
        while (!ct.IsCancellationRequested)
        {
            var next = schedule.GetNextOccurrence(time.GetUtcNow(), TimeZoneInfo.Utc);
            if (next is null)
            {
                return 0;
            }

            try
            {
                await Task.Delay(next.Value - time.GetUtcNow(), time, ct);
                await RunOnceAsync(services, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return 0;
            }
#pragma warning disable CA1031 // A failed scheduled run is logged and the schedule goes on; the next run may succeed.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.ScheduledRunFailed(logger, e);
            }
        }

        return 0;
    }
}
