using System.CommandLine;
using Clip.Cli.Commands;

namespace Clip.Cli;

/// <summary>The <c>clip</c> command tree.</summary>
public static class ClipCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Clip.Workers command line: label images with a CLIP model bundle and a taxonomy, search them by text or example and find near-duplicates, inspect the model (tokenize, preprocess, embed), evaluate taxonomies, migrate the results database, record verified labels, manage classifier heads, and upload images for the worker.");
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(PreprocessCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(TaxonomyCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(LabelCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(DuplicatesCommand.Create());
        root.Subcommands.Add(DatabaseCommand.Create());
        root.Subcommands.Add(FeedbackCommand.Create());
        root.Subcommands.Add(HeadsCommand.Create());
        root.Subcommands.Add(RetrainCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        root.Subcommands.Add(ReplayEventsCommand.Create());
        root.Subcommands.Add(ReviewCommand.Create());
        return root;
    }
}
