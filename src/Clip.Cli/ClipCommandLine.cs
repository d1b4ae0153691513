using System.CommandLine;
using Clip.Cli.Commands;

namespace Clip.Cli;

/// <summary>The <c>clip</c> command tree.</summary>
public static class ClipCommandLine
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Clip.Workers command line: tokenize, preprocess and embed with a CLIP model bundle.");
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(PreprocessCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(TaxonomyCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(LabelCommand.Create());
        root.Subcommands.Add(DatabaseCommand.Create());
        root.Subcommands.Add(UploadCommand.Create());
        return root;
    }
}
