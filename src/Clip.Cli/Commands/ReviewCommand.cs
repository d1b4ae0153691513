using System.CommandLine;
using System.Globalization;
using Clip.Review.Hosting;
using Microsoft.Extensions.Hosting;

namespace Clip.Cli.Commands;

/// <summary><c>clip review</c>: the review app on this machine, over a results database, on loopback with no sign-in.</summary>
internal static class ReviewCommand
{
    public static Command Create()
    {
        var db = ResultsDatabase.Option();
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => new ReviewOptions().Port };
        var bind = new Option<string>("--bind")
        {
            Description = "Address to listen on; anything but loopback needs Entra ID sign-in (AzureAd__* settings, see the README)",
            DefaultValueFactory = _ => new ReviewOptions().Bind,
        };
        var taxonomy = new Option<string[]>("--taxonomy")
        {
            Description = "Taxonomies (shipped names or files) whose classes corrections may choose from; repeatable (default: every shipped one)",
            AllowMultipleArgumentsPerToken = true,
        };
        var reviewer = new Option<string?>("--reviewer") { Description = "The name verdicts are recorded under (default: local: and your user name)" };
        var index = new Option<string>("--index") { Description = "Folder of the search indexes (one per model)", DefaultValueFactory = _ => Search.ImageSearch.DefaultIndexRoot() };
        var model = CommonOptions.Model();
        var precision = CommonOptions.Precision();
        var command = new Command("review", "Serve the review page: accept or correct labels (each verdict a feedback row for clip retrain), search, and per-label quality")
        {
            db, port, bind, taxonomy, reviewer, index, model, precision,
        };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            using var loggers = CliLogging.CreateFactory();

            // Migrates a local database that predates the review queue's indexes; the app itself never migrates.
            var database = result.GetValue(db)!;
            await using (await ResultsDatabase.OpenExistingAsync(database, loggers, cancellationToken))
            {
            }

            var persistence = LabelCommand.Database(database);
            var settings = new Dictionary<string, string?>
            {
                ["Clip:Database:Provider"] = persistence.Provider.ToString(),
                ["Clip:Database:ConnectionString"] = persistence.ConnectionString,
                ["Clip:Review:Port"] = result.GetValue(port).ToString(CultureInfo.InvariantCulture),
                ["Clip:Review:Bind"] = result.GetValue(bind),
                ["Clip:Review:ModelPath"] = result.GetValue(model),
                ["Clip:Review:Precision"] = result.GetValue(precision).ToString(),
                ["Clip:Review:IndexRoot"] = result.GetValue(index),
                ["Clip:Review:LocalReviewer"] = result.GetValue(reviewer),
            };
            foreach (var (name, i) in (result.GetValue(taxonomy) ?? []).Select((t, i) => (t, i)))
            {
                settings[$"Clip:Review:Taxonomies:{i}"] = name;
            }

            try
            {
                await using var app = ReviewApp.Build([], settings);
                await app.StartAsync(cancellationToken);
                Console.Error.WriteLine($"review: open {string.Join(", ", app.Urls)} (Ctrl+C stops)");
                await app.WaitForShutdownAsync(cancellationToken);
            }
            catch (ReviewConfigurationException e)
            {
                throw new CommandInputException(e.Message);
            }

            return 0;
        }));
        return command;
    }
}
