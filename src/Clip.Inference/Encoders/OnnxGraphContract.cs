using System.Globalization;
using Clip.Inference.Bundles;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Clip.Inference.Encoders;

/// <summary>Checks an ONNX graph's inputs and outputs against what an encoder feeds and reads.</summary>
internal static class OnnxGraphContract
{
    /// <summary>A dimension that is symbolic (dynamic) in the graph.</summary>
    public const int Dynamic = -1;

    public static NodeMetadata RequireInput(InferenceSession session, string path, string name, TensorElementType type, int rank)
        => Require(session.InputMetadata, path, "input", name, type, rank);

    public static NodeMetadata RequireOutput(InferenceSession session, string path, string name, TensorElementType type, int rank)
        => Require(session.OutputMetadata, path, "output", name, type, rank);

    public static void RejectOtherInputs(InferenceSession session, string path, params string[] known)
    {
        var unknown = session.InputMetadata.Keys.Where(k => !known.Contains(k, StringComparer.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            throw new ModelBundleException(
                path,
                $"unexpected graph input(s) {string.Join(", ", unknown)}; expected only {string.Join(", ", known)}");
        }
    }

    /// <summary>A fixed dimension must equal <paramref name="expected"/>; a dynamic one accepts anything.</summary>
    public static void RequireDimension(NodeMetadata node, string path, string name, int axis, int expected, string meaning)
    {
        var actual = node.Dimensions[axis];
        if (actual != Dynamic && actual != expected)
        {
            throw new ModelBundleException(
                path,
                string.Create(CultureInfo.InvariantCulture, $"{name} axis {axis} ({meaning}) is {actual}, expected {expected}"));
        }
    }

    private static NodeMetadata Require(
        IReadOnlyDictionary<string, NodeMetadata> nodes, string path, string kind, string name, TensorElementType type, int rank)
    {
        if (!nodes.TryGetValue(name, out var node))
        {
            throw new ModelBundleException(
                path,
                $"graph has no {kind} named \"{name}\" (found: {string.Join(", ", nodes.Keys)})");
        }

        if (!node.IsTensor || node.ElementDataType != type || node.Dimensions.Length != rank)
        {
            throw new ModelBundleException(
                path,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{kind} \"{name}\" is {Describe(node)}, expected a rank-{rank} {type} tensor"));
        }

        return node;
    }

    private static string Describe(NodeMetadata node) => node.IsTensor
        ? string.Create(CultureInfo.InvariantCulture, $"a rank-{node.Dimensions.Length} {node.ElementDataType} tensor [{string.Join(",", node.Dimensions)}]")
        : $"a non-tensor {node.OnnxValueType}";
}
