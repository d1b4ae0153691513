using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>
/// <c>infra/main.bicep</c> compiled once by the real Bicep CLI, shared by the tests that read the ARM JSON.
/// </summary>
public sealed class CompiledInfrastructure
{
    /// <summary>Globally unique names default to <c>uniqueString()</c>, which only Azure evaluates; tests name them.</summary>
    public static readonly IReadOnlyDictionary<string, JsonNode?> RequiredParameters = new Dictionary<string, JsonNode?>
    {
        ["storageAccountName"] = "cliptestimages",
        ["serviceBusNamespaceName"] = "clip-test-bus",
        ["postgresServerName"] = "clip-test-pg",
        ["postgresEntraAdminObjectId"] = EntraAdminObjectId,
        ["postgresEntraAdminPrincipalName"] = "clip-db-admins",
        ["aksOidcIssuerUrl"] = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
    };

    public const string EntraAdminObjectId = "11111111-2222-3333-4444-555555555555";

    public CompiledInfrastructure()
    {
        Build = BicepCli.Run(null, "build", "main.bicep", "--stdout");
        Template = Build.ExitCode == 0
            ? JsonNode.Parse(Build.StandardOutput)!.AsObject()
            : throw new InvalidOperationException($"bicep build failed ({Build.ExitCode}): {Build.StandardError}");
    }

    public BicepResult Build { get; }

    public JsonObject Template { get; }

    /// <summary>The template as deployed with <see cref="RequiredParameters"/>, overridden by <paramref name="parameters"/>.</summary>
    public ArmTemplate Deploy(params (string Name, JsonNode? Value)[] parameters)
    {
        var values = new Dictionary<string, JsonNode?>(RequiredParameters);
        foreach (var (name, value) in parameters)
        {
            values[name] = value;
        }

        return ArmTemplate.Deploy(Template, values);
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledInfrastructureDefinition : ICollectionFixture<CompiledInfrastructure>
{
    public const string Name = "Compiled infrastructure";
}
