using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Inference.Encoders;

internal static class OnnxOutputs
{
    public static EmbeddingMatrix ToEmbeddings(OrtValue output, int count, string name)
    {
        var shape = output.GetTensorTypeAndShape().Shape;
        if (shape.Length != 2 || shape[0] != count)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"{name} has shape [{string.Join(",", shape)}], expected [{count}, dim]"));
        }

        return EmbeddingMatrix.FromRaw(output.GetTensorDataAsSpan<float>(), count, checked((int)shape[1]));
    }
}
