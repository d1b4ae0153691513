using System.CommandLine;
using Clip.Inference.Taxonomies;
using Clip.Persistence;
using Microsoft.Extensions.Logging;

namespace Clip.Cli;

/// <summary>What the commands that read and curate existing results (feedback, heads) share.</summary>
internal static class ResultsDatabase
{
    public static Option<string> Option() => new("--db")
    {
        Description = "A SQLite file, or a connection string (\"Data Source=…\" for SQLite, \"Host=…\" for PostgreSQL)",
        DefaultValueFactory = _ => "clip.db",
    };

    /// <summary>Opens and migrates a database that must exist already: a SQLite file path that is missing is bad input, not a new empty database.</summary>
    public static async Task<LabelStore> OpenExistingAsync(string value, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!value.Contains('=', StringComparison.Ordinal) && !File.Exists(value))
        {
            throw new CommandInputException($"{value}: no such database; label images into it first with clip label --db");
        }

        var store = new LabelStore(Commands.LabelCommand.Database(value), loggers.CreateLogger<LabelStore>());
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>A taxonomy's version from its shipped name or file; a version itself (<c>sha256:…</c>) is taken as given.</summary>
    public static string TaxonomyVersion(string nameFileOrVersion) =>
        nameFileOrVersion.StartsWith(Taxonomy.VersionPrefix, StringComparison.Ordinal)
            ? nameFileOrVersion
            : StandardTaxonomies.Load(nameFileOrVersion).Version;
}
