using System.Globalization;
using System.Numerics.Tensors;
using Clip.Inference;
using Clip.Inference.Bundles;
using Clip.Inference.Encoders;
using Clip.Inference.Imaging;
using Clip.Inference.Taxonomies;
using Clip.Inference.ZeroShot;
using Clip.TestUtilities;
using Microsoft.Extensions.Logging.Abstractions;

namespace Clip.Benchmarks;

/// <summary>
/// The precision variants of a bundle side by side on CPU, each tower pair loaded as <c>Clip:Inference:Precision</c>
/// loads it: image-tower images/s at each batch size, the variants interleaved within every round so that a busy
/// machine slows them alike; how far each variant's image embeddings land from float32's on photos (cosine, mean and
/// worst); and, on a labelled ImageFolder, each variant's zero-shot top-1 and how often its label agrees with float32's.
/// Run: <c>dotnet run -c Release --project tests/Clip.Benchmarks -- precision [--model DIR] [--photos DIR]
/// [--eval DIR] [--taxonomy NAME] [--batches 8,32] [--rounds 3] [--seconds 3]</c>.
/// </summary>
internal static class PrecisionThroughput
{
    private const string Usage =
        "usage: precision [--model DIR] [--photos DIR] [--eval DIR] [--taxonomy NAME|FILE] [--batches 8,32] [--rounds 3] [--seconds 3]";

    private static readonly ModelPrecision[] Variants = [ModelPrecision.Fp32, ModelPrecision.Int8, ModelPrecision.Fp16];

    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--model"] = BundledModel.DirectoryPath,
            ["--photos"] = TestPaths.Data("samples"),
            ["--eval"] = "",
            ["--taxonomy"] = "tiny-shapes",
            ["--batches"] = "8,32",
            ["--rounds"] = "3",
            ["--seconds"] = "3",
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

        var batches = settings["--batches"].Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToArray();
        var rounds = int.Parse(settings["--rounds"], CultureInfo.InvariantCulture);
        var seconds = TimeSpan.FromSeconds(double.Parse(settings["--seconds"], CultureInfo.InvariantCulture));
        var bundle = ModelBundle.Load(settings["--model"]);
        var precisions = Variants.Where(p => bundle.VisionFiles.Has(p) && bundle.TextFiles.Has(p)).ToList();
        var models = precisions.ToDictionary(
            p => p,
            p => ClipModel.Load(
                new InferenceOptions { ModelPath = settings["--model"], Device = ExecutionDevice.Cpu, Precision = p },
                new ImageLimits(),
                NullLoggerFactory.Instance));
        try
        {
            var fp32 = models[ModelPrecision.Fp32];
            Print($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, CPU, ONNX Runtime CPU build; model {bundle.ModelId}");
            foreach (var (precision, model) in models)
            {
                Print($"  {Name(precision)}: {Path.GetFileName(model.Bundle.VisionModelPath)} {new FileInfo(model.Bundle.VisionModelPath).Length / 1e6:0.0} MB, id {model.ModelId}");
            }

            var photos = BenchmarkPhotos.Load(settings["--photos"]);
            var pixels = Preprocess(fp32.Preprocessor, photos, Math.Max(batches.Max(), photos.Photos.Count));
            Agreement(models, pixels, photos.Photos.Count, $"{photos.Photos.Count} photos of {photos.Folder}");
            if (settings["--eval"].Length > 0)
            {
                ZeroShot(models, settings["--eval"], settings["--taxonomy"]);
            }

            Speed(models, pixels, batches, rounds, seconds);
            return 0;
        }
        finally
        {
            foreach (var model in models.Values)
            {
                model.Dispose();
            }
        }
    }

    private static float[] Preprocess(ImagePreprocessor preprocessor, BenchmarkPhotos photos, int count)
    {
        var length = preprocessor.Config.TensorLength;
        var pixels = new float[count * length];
        for (var i = 0; i < count; i++)
        {
            preprocessor.Preprocess(photos.Distinct("precision", i).Bytes, pixels.AsSpan(i * length, length));
        }

        return pixels;
    }

    /// <summary>Cosine of each variant's image embeddings to float32's over the first <paramref name="count"/> images.</summary>
    private static void Agreement(Dictionary<ModelPrecision, ClipModel> models, float[] pixels, int count, string what)
    {
        var length = models[ModelPrecision.Fp32].ImageEncoder.ImageLength;
        var embeddings = models.ToDictionary(m => m.Key, m => EncodeInBatches(m.Value.ImageEncoder, pixels.AsMemory(0, count * length), count));
        Print($"image embeddings against fp32, {what}:");
        foreach (var (precision, matrix) in embeddings.Where(e => e.Key != ModelPrecision.Fp32))
        {
            var cosines = Cosines(embeddings[ModelPrecision.Fp32], matrix);
            Print($"  {Name(precision),-5} cosine mean {cosines.Average():0.000000}, worst {cosines.Min():0.000000}");
        }
    }

    private static EmbeddingMatrix EncodeInBatches(ClipImageEncoder encoder, ReadOnlyMemory<float> pixels, int count)
    {
        const int Batch = 16;
        var rows = new List<float>();
        var dimension = 0;
        for (var start = 0; start < count; start += Batch)
        {
            var n = Math.Min(Batch, count - start);
            var part = encoder.Encode(pixels.Slice(start * encoder.ImageLength, n * encoder.ImageLength), n);
            dimension = part.Dimension;
            rows.AddRange(part.Values);
        }

        return EmbeddingMatrix.FromRaw([.. rows], count, dimension);
    }

    private static List<double> Cosines(EmbeddingMatrix reference, EmbeddingMatrix other) =>
        [.. Enumerable.Range(0, reference.Count).Select(i => (double)TensorPrimitives.CosineSimilarity(reference.Row(i), other.Row(i)))];

    /// <summary>Top-1 on an ImageFolder (one sub-folder per class id), each variant with its own class matrix.</summary>
    private static void ZeroShot(Dictionary<ModelPrecision, ClipModel> models, string folder, string taxonomyName)
    {
        var files = Directory.GetDirectories(folder).Order(StringComparer.Ordinal)
            .SelectMany(d => Directory.GetFiles(d).Order(StringComparer.Ordinal).Select(f => (Bytes: File.ReadAllBytes(f), Class: Path.GetFileName(d))))
            .ToList();
        var labels = new Dictionary<ModelPrecision, List<string>>();
        var embeddings = new Dictionary<ModelPrecision, EmbeddingMatrix>();
        foreach (var (precision, model) in models)
        {
            var taxonomy = StandardTaxonomies.Load(taxonomyName, model.Tokenizer);
            var classifier = ImageClassifier.Create(model, ClassMatrixBuilder.Build(model, taxonomy));
            var rows = new List<float>();
            foreach (var chunk in files.Chunk(16))
            {
                rows.AddRange(model.EmbedImages([.. chunk.Select(f => f.Bytes)]).Values);
            }

            embeddings[precision] = EmbeddingMatrix.FromRaw([.. rows], files.Count, rows.Count / files.Count);
            labels[precision] = [.. classifier.Classify(embeddings[precision]).Select(s => s.ClassIds[IndexOfMax(s.Logits)])];
        }

        Print($"zero-shot, taxonomy {taxonomyName}, {files.Count} images of {folder} in {files.Select(f => f.Class).Distinct().Count()} classes (both towers in the variant):");
        foreach (var (precision, predicted) in labels)
        {
            var top1 = files.Select((f, i) => f.Class == predicted[i]).Count(c => c) / (double)files.Count;
            var agree = predicted.Where((p, i) => p == labels[ModelPrecision.Fp32][i]).Count() / (double)files.Count;
            var cosines = Cosines(embeddings[ModelPrecision.Fp32], embeddings[precision]);
            Print($"  {Name(precision),-5} top-1 {top1:P1}, labels equal to fp32's {agree:P1}, image cosine to fp32 mean {cosines.Average():0.000000}, worst {cosines.Min():0.000000}");
        }
    }

    private static int IndexOfMax(IReadOnlyList<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Count; i++)
        {
            best = values[i] > values[best] ? i : best;
        }

        return best;
    }

    /// <summary>Images/s of each variant's image tower on one preprocessed batch, variants interleaved in every round.</summary>
    private static void Speed(Dictionary<ModelPrecision, ClipModel> models, float[] pixels, int[] batches, int rounds, TimeSpan seconds)
    {
        var rates = new Dictionary<(int Batch, ModelPrecision Precision), List<double>>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var batch in batches)
            {
                foreach (var (precision, model) in models)
                {
                    var rate = EncoderOnlyRate.Measure(model.ImageEncoder, pixels.AsMemory(0, batch * model.ImageEncoder.ImageLength), batch, seconds, minimumBatches: 2);
                    if (!rates.TryGetValue((batch, precision), out var list))
                    {
                        rates[(batch, precision)] = list = [];
                    }

                    list.Add(rate);
                }

                Print($"round {round}, batch {batch}: " + string.Join(", ", models.Keys.Select(p => $"{Name(p)} {rates[(batch, p)][^1]:0.0} img/s")));
            }
        }

        Print("image tower, median of the rounds (ratio to fp32 measured in the same rounds):");
        foreach (var batch in batches)
        {
            Print($"  batch {batch,2}: " + string.Join(", ", models.Keys.Select(p =>
            {
                var median = Median(rates[(batch, p)]);
                var ratios = rates[(batch, p)].Zip(rates[(batch, ModelPrecision.Fp32)], (a, b) => a / b).ToList();
                return $"{Name(p)} {median:0.0} img/s ({Median(ratios):0.00}×, rounds {string.Join('/', ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})";
            })));
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Name(ModelPrecision precision) => ModelBundle.Name(precision);

    private static void Print(string line) => Console.Out.WriteLine(line);
}
