using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Benchmarks;

/// <summary>
/// Prompts/s through the text tower, side by side: every batch padded to the context length, and padded to its longest
/// prompt with prompts grouped by length (what <see cref="ClassMatrixBuilder"/> does when the graph's sequence
/// axis is dynamic), on the first N prompts of a taxonomy, and the time each takes for the whole class matrix.
/// Run: <c>dotnet run -c Release --project tests/Clip.Benchmarks -- prompts [--model DIR] [--taxonomy NAME] [--limit N]</c>.
/// </summary>
internal static class PromptThroughput
{
    private const string Usage = "usage: prompts [--model DIR] [--taxonomy NAME|FILE] [--limit N]";

    public static int Run(string[] args)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--model"] = BundledModel.DirectoryPath,
            ["--taxonomy"] = "imagenet",
            ["--limit"] = "2000",
        };
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 == args.Length || !settings.ContainsKey(args[i]))
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            settings[args[i]] = args[i + 1];
        }

        if (!int.TryParse(settings["--limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var options = new InferenceOptions { ModelPath = settings["--model"], Device = ExecutionDevice.Cpu };
        using var padded = ClipModel.Load(options, new ImageLimits(), NullLoggerFactory.Instance, padPromptsToContextLength: true);
        using var trimmed = ClipModel.Load(options, new ImageLimits(), NullLoggerFactory.Instance);
        var taxonomy = StandardTaxonomies.Load(settings["--taxonomy"], trimmed.Tokenizer);
        var prompts = taxonomy.Classes.SelectMany(c => c.Prompts()).ToList();
        var sequences = prompts.Take(limit).Select(trimmed.TokenizeText).ToList();
        var lengths = sequences.Select(s => s.Count).ToList();
        var whole = sequences.Count == prompts.Count;
        Print($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, CPU; model {trimmed.ModelId}, text width {trimmed.TextEncoder.Dimension}");
        Print($"taxonomy {taxonomy.Name}: {sequences.Count} of {prompts.Count} prompts, {lengths.Min()}–{lengths.Max()} tokens (mean {lengths.Average():0.0}), batches of {ClassMatrixBuilder.DefaultBatchSize}");

        var (reference, paddedRate) = Measure($"padded to {padded.TextEncoder.ContextLength} tokens", padded.TextEncoder, sequences, prompts.Count, whole);
        var (grouped, groupedRate) = Measure("padded to longest, grouped", trimmed.TextEncoder, sequences, prompts.Count, whole);
        TensorPrimitives.Subtract(reference, grouped, grouped);
        Print($"speed-up {groupedRate / paddedRate:0.00}×; largest difference between the two embeddings {Math.Abs(TensorPrimitives.MaxMagnitude(grouped)):0.0e0}");
        return 0;
    }

    /// <summary>Embeds the sequences as the class-matrix builder batches them; returns the rows in the sequences' order and prompts/s.</summary>
    private static (float[] Embeddings, double Rate) Measure(string label, ClipTextEncoder encoder, List<IReadOnlyList<int>> sequences, int allPrompts, bool whole)
    {
        encoder.Encode(sequences[..Math.Min(sequences.Count, ClassMatrixBuilder.DefaultBatchSize)]);
        float[]? values = null;
        long tokensFed = 0;
        var started = Stopwatch.GetTimestamp();
        foreach (var batch in encoder.Batches(sequences, ClassMatrixBuilder.DefaultBatchSize))
        {
            var embeddings = encoder.Encode([.. batch.Select(i => sequences[i])]);
            values ??= new float[sequences.Count * embeddings.Dimension];
            for (var j = 0; j < batch.Length; j++)
            {
                embeddings.Row(j).CopyTo(values.AsSpan(batch[j] * embeddings.Dimension));
            }

            tokensFed += (long)batch.Length * (encoder.PadsToLongest ? batch.Max(i => sequences[i].Count) : encoder.ContextLength);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var rate = sequences.Count / seconds;
        var matrix = whole ? $"{seconds:0.0} s measured" : $"{allPrompts / rate:0.0} s extrapolated";
        Print($"{label,-26}: {sequences.Count} prompts in {seconds:0.00} s = {rate:0.0} prompts/s, {(double)tokensFed / sequences.Count:0.0} tokens fed per prompt; all {allPrompts} prompts: {matrix}");
        return (values!, rate);
    }

    private static void Print(FormattableString line) => Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
