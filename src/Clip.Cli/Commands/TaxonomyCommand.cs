using System.CommandLine;
using System.Globalization;
using Clip.Inference.Bundles;
using Clip.Inference.Taxonomies;
using Clip.Inference.Tokenization;

namespace Clip.Cli.Commands;

/// <summary><c>clip taxonomy list|show|validate</c>: the shipped taxonomies and checks of your own.</summary>
internal static class TaxonomyCommand
{
    public static Command Create()
    {
        var command = new Command("taxonomy", "List, show and validate label taxonomies");

        var list = new Command("list", "List the taxonomies that ship with clip");
        list.SetAction(_ => CommandFailure.Run(() =>
        {
            foreach (var name in StandardTaxonomies.Names())
            {
                var taxonomy = StandardTaxonomies.Load(name);
                Console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{name,-22} {taxonomy.Classes.Count,5} classes {taxonomy.Templates.Count,3} templates  {taxonomy.Version}"));
            }

            return 0;
        }));

        var showName = new Argument<string>("taxonomy") { Description = "A shipped taxonomy's name or a taxonomy file" };
        var show = new Command("show", "Print a taxonomy's version, decision policy, templates and classes") { showName };
        show.SetAction(result => CommandFailure.Run(() =>
        {
            var taxonomy = StandardTaxonomies.Load(result.GetValue(showName)!);
            Console.Out.WriteLine($"name:      {taxonomy.Name}");
            Console.Out.WriteLine($"version:   {taxonomy.Version}");
            Console.Out.WriteLine($"source:    {taxonomy.SourceName}");
            Console.Out.WriteLine($"decision:  {taxonomy.Decision}");
            Console.Out.WriteLine($"templates: {taxonomy.Templates.Count}");
            foreach (var template in taxonomy.Templates)
            {
                Console.Out.WriteLine($"  {template}");
            }

            Console.Out.WriteLine($"classes:   {taxonomy.Classes.Count}");
            foreach (var c in taxonomy.Classes)
            {
                Console.Out.WriteLine($"  {c.Id}: {string.Join(" | ", c.Names)}");
            }

            return 0;
        }));

        var validateName = new Argument<string>("taxonomy") { Description = "A taxonomy file (or a shipped name)" };
        var model = CommonOptions.Model();
        var validate = new Command("validate", "Check a taxonomy, including that every prompt fits the model's context") { validateName, model };
        validate.SetAction(result => CommandFailure.Run(() =>
        {
            var tokenizer = new ClipTokenizer(ModelBundle.Load(result.GetValue(model)!).LoadVocabulary());
            var taxonomy = StandardTaxonomies.Load(result.GetValue(validateName)!, tokenizer);
            var prompts = taxonomy.Classes.Sum(c => c.Prompts().Count());
            Console.Out.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{taxonomy.SourceName}: valid, {taxonomy.Classes.Count} classes, {prompts} prompts, version {taxonomy.Version}"));
            return 0;
        }));

        command.Subcommands.Add(list);
        command.Subcommands.Add(show);
        command.Subcommands.Add(validate);
        return command;
    }
}
