using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace Clip.Deployment.Tests;

/// <summary>
/// The objects <c>helm template</c> printed, as JSON nodes (scalars kept as the strings YAML wrote, so "1" and 1 read
/// the same and assertions compare text).
/// </summary>
public sealed class Manifests
{
    private Manifests(IReadOnlyList<JsonObject> objects) => Objects = objects;

    public IReadOnlyList<JsonObject> Objects { get; }

    public static Manifests Parse(string yaml)
    {
        var stream = new YamlStream();
        using (var reader = new StringReader(yaml))
        {
            stream.Load(reader);
        }

        var objects = stream.Documents
            .Where(document => document.RootNode is YamlMappingNode)
            .Select(document => (JsonObject)ToJson(document.RootNode)!)
            .ToList();
        return new Manifests(objects);
    }

    public IEnumerable<JsonObject> OfKind(string kind) =>
        Objects.Where(o => (string?)o["kind"] == kind);

    /// <summary>The one object of this kind; fails when there is none or several.</summary>
    public JsonObject One(string kind)
    {
        var matches = OfKind(kind).ToList();
        Assert.True(matches.Count == 1, $"expected one {kind}, rendered {matches.Count}; kinds: {string.Join(", ", Objects.Select(o => (string?)o["kind"]))}");
        return matches[0];
    }

    public JsonObject Named(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => (string?)o["metadata"]!["name"] == name)
        ?? throw new Xunit.Sdk.XunitException($"no {kind} named {name}");

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => scalar.Value is null || (scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "null" or "~" or "")
            ? null
            : JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException($"unexpected YAML node {node.NodeType}"),
    };
}

/// <summary>Shortcuts into the pod specs of rendered workloads.</summary>
public static class PodSpecs
{
    public static JsonObject Of(JsonObject workload) => (string?)workload["kind"] switch
    {
        "Deployment" => workload["spec"]!["template"]!["spec"]!.AsObject(),
        "CronJob" => workload["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!.AsObject(),
        var kind => throw new NotSupportedException($"no pod spec in a {kind}"),
    };

    public static JsonObject PodMetadata(JsonObject workload) => (string?)workload["kind"] switch
    {
        "Deployment" => workload["spec"]!["template"]!["metadata"]!.AsObject(),
        "CronJob" => workload["spec"]!["jobTemplate"]!["spec"]!["template"]!["metadata"]!.AsObject(),
        var kind => throw new NotSupportedException($"no pod template in a {kind}"),
    };

    public static JsonObject Container(JsonObject workload, string name) =>
        Of(workload)["containers"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string?)c["name"] == name);

    /// <summary>The container's environment variables by name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> Env(JsonObject container) =>
        container["env"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => (string)e["name"]!);

    public static string EnvValue(JsonObject container, string name) =>
        Env(container).TryGetValue(name, out var variable)
            ? (string?)variable["value"] ?? throw new Xunit.Sdk.XunitException($"{name} has no literal value")
            : throw new Xunit.Sdk.XunitException($"no environment variable {name}; has {string.Join(", ", Env(container).Keys)}");
}
