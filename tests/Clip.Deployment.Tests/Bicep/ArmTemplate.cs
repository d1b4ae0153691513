using System.Globalization;
using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>A resource in a compiled template, with the template (module) it is declared in.</summary>
public sealed record ArmResource(ArmTemplate Template, JsonObject Json)
{
    public string Type => (string)Json["type"]!;

    /// <summary>The resource's property, with its expressions evaluated in the declaring template.</summary>
    public JsonNode? Evaluate(string property) => Template.Evaluate(Json[property]);
}

/// <summary>
/// A compiled ARM template (what <c>bicep build</c> writes) with just enough of the ARM expression language to
/// follow values through modules: <c>parameters</c>, <c>variables</c>, <c>format</c>, <c>resourceId</c>,
/// <c>subscriptionResourceId</c>, <c>extensionResourceId</c>, <c>toLower</c>, <c>replace</c>, <c>split</c>, <c>if</c>,
/// <c>equals</c>, <c>and</c>, <c>not</c>, <c>fail</c> (as <see cref="ArmDeploymentFailedException"/>), <c>empty</c>, <c>createObject</c>, <c>mul</c>, <c>resourceGroup</c> (its name), <c>environment</c> (Azure's public cloud),
/// module outputs read through <c>reference</c>, and the few runtime properties the outputs read, as Azure documents their
/// shape (<see cref="RuntimeProperties"/>). Resources whose <c>condition</c> is false are not deployed. Anything else (<c>uniqueString</c>, another runtime property) throws, so a test
/// that depends on it fails loudly.
/// </summary>
public sealed class ArmTemplate
{
    private readonly JsonObject _template;
    private readonly ArmTemplate? _parent;
    private readonly JsonObject _suppliedParameters;

    private ArmTemplate(JsonObject template, ArmTemplate? parent, JsonObject suppliedParameters)
    {
        _template = template;
        _parent = parent;
        _suppliedParameters = suppliedParameters;
    }

    /// <summary>The top-level template, deployed with <paramref name="parameters"/> (name to value) on top of the defaults.</summary>
    public static ArmTemplate Deploy(JsonObject template, IReadOnlyDictionary<string, JsonNode?> parameters)
    {
        var supplied = new JsonObject();
        foreach (var (name, value) in parameters)
        {
            supplied[name] = new JsonObject { ["value"] = value?.DeepClone() };
        }

        return new ArmTemplate(template, null, supplied);
    }

    public JsonObject Json => _template;

    /// <summary>The module deployed as <paramref name="deploymentName"/> from this template.</summary>
    public ArmTemplate Module(string deploymentName)
    {
        var deployment = OwnResources().Single(r =>
            r.Type == "Microsoft.Resources/deployments" && Evaluate(r.Json["name"])?.GetValue<string>() == deploymentName);
        var properties = deployment.Json["properties"]!.AsObject();
        return new ArmTemplate(properties["template"]!.AsObject(), this, properties["parameters"]?.AsObject() ?? []);
    }

    /// <summary>This template's deployed resources (those whose <c>condition</c> holds) and those of every module below it.</summary>
    public IEnumerable<ArmResource> AllResources()
    {
        foreach (var resource in OwnResources().Where(r => r.Json["condition"] is null || r.Evaluate("condition")!.GetValue<bool>()))
        {
            yield return resource;
            if (resource.Type == "Microsoft.Resources/deployments")
            {
                var name = Evaluate(resource.Json["name"])!.GetValue<string>();
                foreach (var inner in Module(name).AllResources())
                {
                    yield return inner;
                }
            }
        }
    }

    public IEnumerable<ArmResource> OwnResources()
    {
        // languageVersion 2.0 templates keep resources in an object keyed by symbolic name.
        var resources = _template["resources"];
        var items = resources is JsonObject byName ? byName.Select(pair => pair.Value) : resources!.AsArray();
        return items.Select(item => new ArmResource(this, item!.AsObject()));
    }

    public JsonNode? Parameter(string name)
    {
        if (_suppliedParameters[name] is JsonObject supplied)
        {
            return _parent is null ? supplied["value"]?.DeepClone() : _parent.Evaluate(supplied["value"]);
        }

        // A module parameter chosen by a condition is one expression that makes the whole { value } object.
        if (_parent is not null && _suppliedParameters[name] is JsonValue expression)
        {
            return _parent.Evaluate(expression)!["value"]?.DeepClone();
        }

        var declaration = _template["parameters"]?[name] ?? throw new KeyNotFoundException($"No parameter '{name}'.");
        return declaration.AsObject().TryGetPropertyValue("defaultValue", out var defaultValue)
            ? Evaluate(defaultValue)
            : throw new InvalidOperationException($"Parameter '{name}' has no value and no default.");
    }

    public JsonNode? Variable(string name) =>
        Evaluate(_template["variables"]?[name] ?? throw new KeyNotFoundException($"No variable '{name}'."));

    public JsonNode? Output(string name) =>
        Evaluate(_template["outputs"]?[name]?["value"] ?? throw new KeyNotFoundException($"No output '{name}'."));

    /// <summary>
    /// Every output as <c>az deployment group show --query properties.outputs</c> prints them: name to type and value,
    /// with resource ids written out in full.
    /// </summary>
    public JsonObject Outputs()
    {
        var outputs = new JsonObject();
        foreach (var (name, declaration) in _template["outputs"]!.AsObject())
        {
            var value = Output(name);
            if (value is JsonObject { } id && id["type"] is not null && id["names"] is JsonArray names)
            {
                value = JsonValue.Create(FullResourceId((string)id["type"]!, names.Select(n => (string)n!).ToArray()));
            }

            outputs[name] = new JsonObject { ["type"] = (string?)declaration!["type"], ["value"] = value };
        }

        return outputs;
    }

    /// <summary>The subscription and resource group every simulated deployment goes to.</summary>
    public const string SubscriptionId = "00000000-0000-0000-0000-0000000000aa";

    public const string ResourceGroup = "clip";

    /// <summary>The tenant <c>tenant()</c> returns in a simulated deployment: a made-up one.</summary>
    public const string TenantId = "00000000-0000-0000-0000-00000000ffff";

    /// <summary>
    /// What <c>reference()</c> returns for a deployed resource, for the properties the templates' outputs read, in the
    /// shapes Azure documents; generated ids are stable GUIDs derived from the resource's name.
    /// </summary>
    public static JsonObject RuntimeProperties(string type, IReadOnlyList<string> names) => type switch
    {
        "Microsoft.Storage/storageAccounts" => new JsonObject
        {
            ["primaryEndpoints"] = new JsonObject { ["blob"] = $"https://{names[0]}.blob.core.windows.net/" },
        },
        "Microsoft.ServiceBus/namespaces" => new JsonObject { ["serviceBusEndpoint"] = $"https://{names[0]}.servicebus.windows.net:443/" },
        "Microsoft.DBforPostgreSQL/flexibleServers" => new JsonObject { ["fullyQualifiedDomainName"] = $"{names[0]}.postgres.database.azure.com" },
        "Microsoft.ManagedIdentity/userAssignedIdentities" => new JsonObject
        {
            ["clientId"] = StableGuid("clientId", names[0]),
            ["principalId"] = StableGuid("principalId", names[0]),
            ["tenantId"] = TenantId,
        },
        _ => throw new NotSupportedException($"The test evaluator does not simulate the runtime properties of {type}."),
    };

    private static string StableGuid(string purpose, string name) =>
        new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(purpose + "/" + name)).AsSpan(0, 16)).ToString();

    private static string FullResourceId(string type, string[] names)
    {
        var parts = type.Split('/');
        var path = $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/{parts[0]}";
        for (var i = 1; i < parts.Length; i++)
        {
            path += $"/{parts[i]}/{names[i - 1]}";
        }

        return path;
    }

    /// <summary>A JSON value with every ARM expression string in it evaluated.</summary>
    public JsonNode? Evaluate(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Select(pair => KeyValuePair.Create(pair.Key, Evaluate(pair.Value)))),
        JsonArray array => new JsonArray(array.Select(Evaluate).ToArray()),
        JsonValue value when value.TryGetValue<string>(out var text) && IsExpression(text) => Evaluate(ArmExpression.Parse(text[1..^1])),
        JsonValue value when value.TryGetValue<string>(out var text) && text.StartsWith("[[", StringComparison.Ordinal) => JsonValue.Create(text[1..]),
        _ => node?.DeepClone(),
    };

    private static bool IsExpression(string text) =>
        text.StartsWith('[') && !text.StartsWith("[[", StringComparison.Ordinal) && text.EndsWith(']');

    private JsonNode? Evaluate(ArmExpression expression) => expression switch
    {
        ArmLiteral literal => JsonValue.Create(literal.Value),
        ArmNumber number => JsonValue.Create(number.Value),
        ArmAccess access => EvaluateAccess(access),
        ArmCall call => EvaluateCall(call),
        _ => throw new NotSupportedException(expression.ToString()),
    };

    private JsonNode? EvaluateAccess(ArmAccess access)
    {
        var accessors = access.Accessors.Select(a => Evaluate(a)!.ToString()).ToList();

        // reference(resourceId('Microsoft.Resources/deployments', NAME), ...).outputs.OUTPUT.value: a module's output.
        if (access.Target is ArmCall { Name: "reference" } reference
            && accessors is ["outputs", var output, "value", ..]
            && Evaluate(reference.Arguments[0]) is JsonObject { } id
            && (string?)id["type"] == "Microsoft.Resources/deployments")
        {
            return Apply(Module((string)id["names"]![0]!).Output(output), accessors.Skip(3));
        }

        // reference(resourceId(TYPE, NAMES...), ...).PROPERTY: a deployed resource's runtime property.
        if (access.Target is ArmCall { Name: "reference" } deployed
            && Evaluate(deployed.Arguments[0]) is JsonObject { } resource
            && (string?)resource["type"] != "Microsoft.Resources/deployments")
        {
            return Apply(RuntimeProperties((string)resource["type"]!, [.. resource["names"]!.AsArray().Select(n => (string)n!)]), accessors);
        }

        return Apply(Evaluate(access.Target), accessors);
    }

    private static JsonNode? Apply(JsonNode? value, IEnumerable<string> accessors)
    {
        foreach (var accessor in accessors)
        {
            value = value switch
            {
                JsonObject obj => obj.FirstOrDefault(p => string.Equals(p.Key, accessor, StringComparison.OrdinalIgnoreCase)).Value,
                JsonArray array => array[int.Parse(accessor, CultureInfo.InvariantCulture)],
                _ => throw new NotSupportedException($"Cannot read '{accessor}' of {value?.ToJsonString()}."),
            };
        }

        return value?.DeepClone();
    }

    private JsonNode? EvaluateCall(ArmCall call)
    {
        string Text(int i) => Evaluate(call.Arguments[i])!.GetValue<string>();
        switch (call.Name.ToLowerInvariant())
        {
            case "parameters":
                return Parameter(Text(0));
            case "variables":
                return Variable(Text(0));
            case "format":
                var arguments = call.Arguments.Skip(1).Select(a => (object?)Evaluate(a)?.ToString()).ToArray();
                return JsonValue.Create(string.Format(CultureInfo.InvariantCulture, Text(0), arguments));
            case "tolower":
                return JsonValue.Create(Text(0).ToLowerInvariant());
            case "replace":
                return JsonValue.Create(Text(0).Replace(Text(1), Text(2), StringComparison.Ordinal));
            case "split":
                return new JsonArray([.. Text(0).Split(Text(1)).Select(part => (JsonNode?)JsonValue.Create(part))]);
            case "if":
                return Evaluate(call.Arguments[0])!.GetValue<bool>() ? Evaluate(call.Arguments[1]) : Evaluate(call.Arguments[2]);
            case "equals":
                return JsonValue.Create(JsonNode.DeepEquals(Evaluate(call.Arguments[0]), Evaluate(call.Arguments[1])));
            case "and":
                return JsonValue.Create(call.Arguments.All(a => Evaluate(a)!.GetValue<bool>()));
            case "fail":
                throw new ArmDeploymentFailedException(Text(0));
            case "not":
                return JsonValue.Create(!Evaluate(call.Arguments[0])!.GetValue<bool>());
            case "empty":
                return JsonValue.Create(Evaluate(call.Arguments[0]) switch
                {
                    null => true,
                    JsonObject obj => obj.Count == 0,
                    JsonArray array => array.Count == 0,
                    var value => value.GetValue<string>().Length == 0,
                });
            case "createobject":
                var created = new JsonObject();
                for (var i = 0; i + 1 < call.Arguments.Count; i += 2)
                {
                    created[Text(i)] = Evaluate(call.Arguments[i + 1]);
                }

                return created;
            case "environment":
                return new JsonObject { ["name"] = "AzureCloud", ["suffixes"] = new JsonObject { ["storage"] = "core.windows.net" } };
            case "resourcegroup":
                return new JsonObject { ["name"] = ResourceGroup };
            case "subscription":
                return new JsonObject { ["subscriptionId"] = SubscriptionId };
            case "extensionresourceid":
                // An id below another scope (a role assignment, a deployment in another resource group): its type and names.
                return new JsonObject
                {
                    ["type"] = Text(1),
                    ["names"] = new JsonArray(call.Arguments.Skip(2).Select(a => Evaluate(a)).ToArray()),
                    ["scope"] = Evaluate(call.Arguments[0]),
                };
            case "mul":
                return JsonValue.Create(Evaluate(call.Arguments[0])!.GetValue<int>() * Evaluate(call.Arguments[1])!.GetValue<int>());
            case "null":
                return null;
            case "tenant":
                return new JsonObject { ["tenantId"] = TenantId };
            case "resourceid":
            case "subscriptionresourceid":
                // A resource id as its type and names, which is what the tests compare.
                return new JsonObject
                {
                    ["type"] = Text(0),
                    ["names"] = new JsonArray(call.Arguments.Skip(1).Select(a => Evaluate(a)).ToArray()),
                };
            default:
                throw new NotSupportedException($"The test evaluator does not implement {call.Name}().");
        }
    }
}

/// <summary>The template's <c>fail()</c> stopped the simulated deployment, as Azure would with the same message.</summary>
public sealed class ArmDeploymentFailedException(string message) : Exception(message);
