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
            IReadOnlyList<string> inputs = result.GetValue(stdin) ? ReadJsonLines(Console.In) : result.GetValue(texts) ?? [];
            if (inputs.Count == 0)
            {
                throw new CommandInputException("nothing to tokenize: give TEXT arguments or --stdin");
            }

            var length = result.GetValue(contextLength);
            if (length < 2)
            {
                throw new CommandInputException("--context-length must be at least 2");
            }

            var tokenizer = new ClipTokenizer(LoadVocabulary(ModelBundle.Load(result.GetValue(model)!)));
            var asJson = result.GetValue(json);
            foreach (var text in inputs)
            {
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

            return 0;
        }));
        return command;
    }

    internal static ClipVocabulary LoadVocabulary(ModelBundle bundle) => bundle.Tokenizer switch
    {
        TokenizerFiles.OpenAiBpe openAi => ClipVocabulary.LoadOpenAiBpe(openAi.GzipPath),
        TokenizerFiles.HuggingFace hf => ClipVocabulary.LoadHuggingFace(hf.VocabJsonPath, hf.MergesPath),
        _ => throw new ModelBundleException(bundle.DirectoryPath, "unsupported tokenizer files"),
    };

    private static List<string> ReadJsonLines(TextReader reader)
    {
        var texts = new List<string>();
        var number = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                texts.Add(JsonSerializer.Deserialize(line, CliJson.Output.String)
                    ?? throw new CommandInputException($"stdin line {number}: expected a JSON string, found null"));
            }
            catch (JsonException e)
            {
                throw new CommandInputException($"stdin line {number}: expected a JSON string ({e.Message})");
            }
        }

        return texts;
    }
}

internal sealed record TokenizeOutput(string Text, IReadOnlyList<int> Ids, bool Truncated);
