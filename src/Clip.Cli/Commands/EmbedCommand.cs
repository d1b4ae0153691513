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
        var command = new Command("embed", "Print the L2-normalised CLIP embedding of each image") { images, json, model, device, jpegDecode };
        command.SetAction(result => CommandFailure.Run(() =>
        {
            using var loggers = CliLogging.CreateFactory();
            var options = new InferenceOptions { ModelPath = result.GetValue(model)!, Device = result.GetValue(device) };
            var limits = new ImageLimits { JpegDecode = result.GetValue(jpegDecode) };
            using var clip = ClipModel.Load(options, limits, loggers);
            var failures = 0;
            foreach (var batch in result.GetValue(images)!.Chunk(BatchSize))
            {
                failures += EmbedBatch(clip, limits, batch, result.GetValue(json));
            }

            return failures == 0 ? 0 : CommandFailure.Failed;
        }));
        return command;
    }

    private static int EmbedBatch(ClipModel clip, ImageLimits limits, FileInfo[] files, bool asJson)
    {
        var length = clip.Preprocessor.Config.TensorLength;
        var pixels = new float[files.Length * length];
        var accepted = new List<FileInfo>(files.Length);
        foreach (var file in files)
        {
            try
            {
                clip.Preprocessor.Preprocess(ImageFiles.Read(file, limits), pixels.AsSpan(accepted.Count * length, length));
                accepted.Add(file);
            }
            catch (Exception e) when (e is ImageRejectedException or IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"clip: error: {file.FullName}: {e.Message}");
            }
        }

        if (accepted.Count > 0)
        {
            var embeddings = clip.ImageEncoder.Encode(pixels.AsMemory(0, accepted.Count * length), accepted.Count);
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
