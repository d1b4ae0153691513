using System.CommandLine;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.ZeroShot;
using Clip.Training;
using Clip.Training.Retraining;
using Microsoft.Extensions.Logging;

namespace Clip.Cli.Commands;

/// <summary>
/// <c>clip retrain</c>: one retraining run (the job the CronJob runs): trains a head from the verified labels in the
/// database, prints how it compares with zero-shot and the promoted head, and promotes it when the interval on its gain clears the margin.
/// </summary>
internal static class RetrainCommand
{
    public static Command Create()
    {
        var taxonomy = new Option<string>("--taxonomy") { Description = "A shipped taxonomy's name or a taxonomy file", DefaultValueFactory = _ => "tiny-shapes" };
        var db = ResultsDatabase.Option();
        var seed = new Option<int>("--seed") { Description = "Seeds the split and the trainer", DefaultValueFactory = _ => 42 };
        var margin = new Option<double>("--margin")
        {
            Description = "Top-1 gain over the best so far that the lower end of the candidate's interval must clear to be promoted",
            DefaultValueFactory = _ => new RetrainingOptions().PromotionMargin,
        };
        var confidence = new Option<double>("--confidence")
        {
            Description = "Coverage of the interval on the candidate's gain",
            DefaultValueFactory = _ => new RetrainingOptions().Confidence,
        };
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var command = new Command("retrain", "Train a classifier head from verified labels and promote it if its gain over the current best is shown to clear the margin") { taxonomy, db, seed, margin, confidence, model, device, precision };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            if (result.GetValue(margin) is not (>= 0 and <= 1))
            {
                throw new CommandInputException("--margin must be between 0 and 1");
            }

            if (result.GetValue(confidence) is not (>= 0.5 and <= 0.999))
            {
                throw new CommandInputException("--confidence must be between 0.5 and 0.999");
            }

            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device), Precision = result.GetValue(precision) }, new ImageLimits(), loggers);
            var job = new RetrainingJob(
                clip,
                new ClassMatrixCache(ZeroShotOptions.DefaultCacheDirectory(), loggers.CreateLogger<ClassMatrixCache>()),
                store,
                new RetrainingOptions { Taxonomy = result.GetValue(taxonomy)!, Seed = result.GetValue(seed), PromotionMargin = result.GetValue(margin), Confidence = result.GetValue(confidence) },
                new HeadTrainingOptions { Seed = result.GetValue(seed) },
                TimeProvider.System,
                loggers.CreateLogger<RetrainingJob>());
            var report = await job.RunAsync(cancellationToken);
            await Console.Out.WriteAsync(RetrainingReportText.Format(report));
            return 0;
        }));
        return command;
    }
}
