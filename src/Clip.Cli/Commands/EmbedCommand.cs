using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;

namespace Clip.Cli.Commands;

/// <summary><c>clip embed</c>: L2-normalised image embeddings.</summary>
internal static class EmbedCommand
{
    private const int BatchSize = 16;

    public static Command Create()
    {
        var images = new Argument<FileInfo[]>("image") { Arity = ArgumentArity.OneOrMore, Description = "Image files" };
        var json = CommonOptions.Json();
        var model = CommonOptions.Model();
        var jpegDecode = CommonOptions.JpegDecode();
        var device = CommonOptions.Device();
        var precision = CommonOptions.Precision();
        var command = new Command("embed", "Print the L2-normalised CLIP embedding of each image") { images, json, model, device, precision, jpegDecode };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            using var loggers = CliLogging.CreateFactory();
            var options = new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device), Precision = result.GetValue(precision) };
            var limits = new ImageLimits { JpegDecode = result.GetValue(jpegDecode) };
            using var clip = ClipModel.Load(options, limits, loggers);
            var batch = new ImageBatch(clip, BatchSize);
            var failures = 0;
            foreach (var files in result.GetValue(images)!.Chunk(BatchSize))
            {
                failures += await EmbedBatchAsync(clip, limits, batch, files, result.GetValue(json), cancellationToken);
            }

            return failures == 0 ? 0 : CommandFailure.Failed;
        }));
        return command;
    }

    private static async Task<int> EmbedBatchAsync(ClipModel clip, ImageLimits limits, ImageBatch batch, FileInfo[] files, bool asJson, CancellationToken ct)
    {
        var accepted = await batch.AddReadableAsync(
            files, file => file, limits, (file, e) => Console.Error.WriteLine($"clip: error: {file.FullName}: {e.Message}"), ct);

        if (accepted.Count > 0)
        {
            var embeddings = batch.Encode();
            for (var i = 0; i < accepted.Count; i++)
            {
                var row = embeddings.Row(i).ToArray();
                Console.Out.WriteLine(asJson
                    ? JsonSerializer.Serialize(new EmbedOutput(accepted[i].FullName, clip.ModelId, row), CliJson.Output.EmbedOutput)
                    : accepted[i].FullName + "\t" + string.Join(' ', row.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            }
        }

        return files.Length - accepted.Count;
    }
}

internal sealed record EmbedOutput(string Path, string Model, IReadOnlyList<float> Embedding);
