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
/// database, prints how it compares with zero-shot and the promoted head, and promotes it when it wins by the margin.
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
            Description = "Top-1 accuracy the candidate must gain over the best so far, on the test split, to be promoted",
            DefaultValueFactory = _ => new RetrainingOptions().PromotionMargin,
        };
        var model = CommonOptions.Model();
        var device = CommonOptions.Device();
        var command = new Command("retrain", "Train a classifier head from verified labels and promote it if it beats the current best") { taxonomy, db, seed, margin, model, device };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            if (result.GetValue(margin) is not (>= 0 and <= 1))
            {
                throw new CommandInputException("--margin must be between 0 and 1");
            }

            using var loggers = CliLogging.CreateFactory();
            await using var store = await ResultsDatabase.OpenExistingAsync(result.GetValue(db)!, loggers, cancellationToken);
            using var clip = ClipModel.Load(new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device) }, new ImageLimits(), loggers);
            var job = new RetrainingJob(
                clip,
                new ClassMatrixCache(ZeroShotOptions.DefaultCacheDirectory(), loggers.CreateLogger<ClassMatrixCache>()),
                store,
                new RetrainingOptions { Taxonomy = result.GetValue(taxonomy)!, Seed = result.GetValue(seed), PromotionMargin = result.GetValue(margin) },
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
