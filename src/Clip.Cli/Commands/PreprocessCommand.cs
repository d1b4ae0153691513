using System.CommandLine;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Labeling;
using SixLabors.ImageSharp;

namespace Clip.Cli.Commands;

/// <summary><c>clip preprocess</c>: writes exactly the tensor the image encoder sees.</summary>
internal static class PreprocessCommand
{
    public static Command Create()
    {
        var image = new Argument<FileInfo>("image") { Description = "Image file (JPEG, PNG, WebP, GIF, BMP)" };
        var output = new Option<FileInfo>("--out") { Description = "Tensor file: float32 little-endian, channels × height × width", Required = true };
        var png = new Option<FileInfo?>("--png") { Description = "Also save the resized, centre-cropped picture as PNG" };
        var model = CommonOptions.Model();
        var jpegDecode = CommonOptions.JpegDecode();
        var command = new Command("preprocess", "Decode, resize, crop and normalise an image as the model's preprocessor config says") { image, output, png, model, jpegDecode };
        command.SetAction((result, cancellationToken) => CommandFailure.RunAsync(async () =>
        {
            var bundle = ModelBundle.Load(result.GetValue(model)!);
            var limits = new ImageLimits { JpegDecode = result.GetValue(jpegDecode) };
            var preprocessor = new ImagePreprocessor(bundle.Preprocessor, limits);
            var bytes = await LocalImageFile.ReadAsync(result.GetValue(image)!, limits.MaxEncodedBytes, cancellationToken);
            var tensor = preprocessor.Preprocess(bytes);
            File.WriteAllBytes(result.GetValue(output)!.FullName, Float32LittleEndian.Encode(tensor));
            if (result.GetValue(png) is { } pngFile)
            {
                using var crop = preprocessor.RenderCrop(bytes);
                crop.SaveAsPng(pngFile.FullName);
            }

            var config = bundle.Preprocessor;
            Console.Out.WriteLine($"wrote [3, {config.CropHeight}, {config.CropWidth}] float32 to {result.GetValue(output)!.FullName}");
            return 0;
        }));
        return command;
    }
}
