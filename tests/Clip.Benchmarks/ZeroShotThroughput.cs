using System.Diagnostics;
using System.Globalization;
using Clip.Inference;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Benchmarks;

/// <summary>
/// A throughput harness for the zero-shot work too long for BenchmarkDotNet's repetitions: building
/// the ImageNet-1k × 80-template class matrix (80,000 prompts through the text tower) and classifying
/// embeddings against 1,000 classes. Run: <c>dotnet run -c Release --project tests/Clip.Benchmarks -- zeroshot</c>.
/// </summary>
internal static class ZeroShotThroughput
{
    public static void Run()
    {
        using var model = ClipModel.Load(new InferenceOptions { Device = ExecutionDevice.Cpu }, new ImageLimits(), NullLoggerFactory.Instance);
        var imagenet = StandardTaxonomies.Load("imagenet", model.Tokenizer);
        var prompts = imagenet.Classes.Sum(c => c.Prompts().Count());

        var started = Stopwatch.GetTimestamp();
        var classes = ClassMatrixBuilder.Build(model, imagenet);
        var buildSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Print($"class matrix, {imagenet.Name}: {classes.ClassIds.Count} classes × {imagenet.Templates.Count} templates = {prompts} prompts in {buildSeconds:0.0} s ({prompts / buildSeconds:0} prompts/s)");

        var classifier = ImageClassifier.Create(model, classes);
        var decider = new LabelDecider(imagenet);
        var random = new Random(1);
        const int images = 2_000;
        var raw = new float[images * classes.Dimension];
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var embeddings = EmbeddingMatrix.FromRaw(raw, images, classes.Dimension);
        classifier.Classify(embeddings);
        started = Stopwatch.GetTimestamp();
        var decided = 0;
        foreach (var scores in classifier.Classify(embeddings))
        {
            decided += decider.Decide(scores).Labels.Count > 0 ? 1 : 0;
        }

        var classifySeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Print($"classify + decide against {classes.ClassIds.Count} classes (width {classes.Dimension}): {images} images in {classifySeconds:0.000} s ({images / classifySeconds:0} images/s, {decided} decided)");
    }

    private static void Print(FormattableString line) => Console.Out.WriteLine(line.ToString(CultureInfo.InvariantCulture));
}
