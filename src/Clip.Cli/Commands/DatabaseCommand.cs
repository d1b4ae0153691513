using System.CommandLine;
using Clip.Persistence;
using Microsoft.Extensions.Logging;

namespace Clip.Cli.Commands;

/// <summary><c>clip db migrate</c>: brings a results database to this build's schema.</summary>
internal static class DatabaseCommand
{
    public static Command Create()
    {
        var db = ResultsDatabase.Option();
        var migrate = new Command("migrate", "Apply the schema migrations this build knows and the database lacks") { db };
        migrate.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            using var loggers = CliLogging.CreateFactory();
            await using var store = new LabelStore(LabelCommand.Database(result.GetValue(db)!), loggers.CreateLogger<LabelStore>());
            var applied = await store.MigrateAsync(cancellationToken);
            Console.Out.WriteLine(applied.Count == 0
                ? "schema up to date"
                : $"applied migration(s) {string.Join(", ", applied)}");
            return 0;
        }));
        var command = new Command("db", "Manage the results database");
        command.Subcommands.Add(migrate);
        return command;
    }
}
