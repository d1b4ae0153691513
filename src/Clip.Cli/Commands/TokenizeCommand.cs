using System.CommandLine;
using System.Text.Json;
using Clip.Inference.Bundles;
using Clip.Inference.Tokenization;

namespace Clip.Cli.Commands;

/// <summary><c>clip tokenize</c>: CLIP BPE ids of texts, as OpenAI's <c>clip.tokenize</c> produces them (unpadded).</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var texts = new Argument<string[]>("text") { Arity = ArgumentArity.ZeroOrMore, Description = "Texts to tokenize" };
        var stdin = new Option<bool>("--stdin") { Description = "Read texts from standard input, one JSON string per line" };
        var json = CommonOptions.Json();
        var model = CommonOptions.Model();
        var contextLength = new Option<int>("--context-length")
        {
            Description = "Tokens per sequence, start and end included",
            DefaultValueFactory = _ => ClipTokenizer.DefaultContextLength,
        };
        var command = new Command("tokenize", "Print the CLIP token ids of each text") { texts, stdin, json, model, contextLength };
        command.SetAction(result => CommandFailure.Run(() =>
        {
            var length = result.GetValue(contextLength);
            if (length < 2)
            {
                throw new CommandInputException("--context-length must be at least 2");
            }

            var fromStdin = result.GetValue(stdin);
            var arguments = result.GetValue(texts) ?? [];
            if (!fromStdin && arguments.Length == 0)
            {
                throw new CommandInputException("nothing to tokenize: give TEXT arguments or --stdin");
            }

            var tokenizer = new ClipTokenizer(ModelBundle.Load(result.GetValue(model)!).LoadVocabulary());
            var asJson = result.GetValue(json);
            var failures = 0;
            foreach (var (text, error) in fromStdin ? ReadJsonLines(Console.In) : arguments.Select(a => (a, (string?)null)))
            {
                if (error is not null)
                {
                    Console.Error.WriteLine($"clip: error: {error}");
                    failures++;
                    continue;
                }

                var tokens = tokenizer.Encode(text, length);
                if (asJson)
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(new TokenizeOutput(text, tokens.Ids, tokens.Truncated), CliJson.Output.TokenizeOutput));
                }
                else
                {
                    Console.Out.WriteLine(string.Join(' ', tokens.Ids));
                    if (tokens.Truncated)
                    {
                        Console.Error.WriteLine($"clip: warning: truncated to {length} tokens: {text}");
                    }
                }
            }

            return failures == 0 ? 0 : CommandFailure.Failed;
        }));
        return command;
    }

    /// <summary>One JSON string per line, blank lines skipped; a bad line yields an error and reading goes on.</summary>
    private static IEnumerable<(string Text, string? Error)> ReadJsonLines(TextReader reader)
    {
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return JsonStringLiteral.TryParse(line, out var text, out var error)
                ? (text, null)
                : (string.Empty, $"stdin line {number}: {error}");
        }
    }
}

internal sealed record TokenizeOutput(string Text, IReadOnlyList<int> Ids, bool Truncated);
