using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>The CI gate for <c>infra/</c>: the NuGet-shipped Bicep CLI builds and lints it without a single diagnostic.</summary>
public sealed class BicepCliTests
{
    private static readonly Dictionary<string, string> DeployEnvironment = new()
    {
        ["CLIP_POSTGRES_ENTRA_ADMIN_ID"] = "11111111-2222-3333-4444-555555555555",
        ["CLIP_AKS_OIDC_ISSUER_URL"] = "https://westeurope.oic.prod-aks.azure.com/tenant/cluster/",
    };

    [Fact]
    public void Build_MainTemplate_SucceedsWithoutDiagnostics()
    {
        var result = BicepCli.Run(null, "build", "main.bicep", "--stdout");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError.Trim());
        Assert.Equal("bicep", (string?)JsonNode.Parse(result.StandardOutput)!["metadata"]!["_generator"]!["name"]);
    }

    [Fact]
    public void Lint_MainTemplateAndModules_IsClean()
    {
        var result = BicepCli.Run(null, "lint", "main.bicep");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError.Trim());
        Assert.Equal("", result.StandardOutput.Trim());
    }

    [Fact]
    public void Lint_ExampleParameters_WithDeployTimeEnvironment_IsClean()
    {
        var result = BicepCli.Run(DeployEnvironment, "lint", "main.bicepparam");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError.Trim());
    }

    [Fact]
    public void BuildParams_ExampleParameters_TakesTheEntraAdminFromTheEnvironmentAndNoPassword()
    {
        var result = BicepCli.Run(DeployEnvironment, "build-params", "main.bicepparam", "--stdout");

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal("", result.StandardError.Trim());
        var parameters = JsonNode.Parse((string)JsonNode.Parse(result.StandardOutput)!["parametersJson"]!)!["parameters"]!;
        Assert.Equal(DeployEnvironment["CLIP_POSTGRES_ENTRA_ADMIN_ID"], (string?)parameters["postgresEntraAdminObjectId"]!["value"]);
        Assert.False((bool)parameters["postgresPasswordAuth"]!["value"]!);
        Assert.Null(parameters["postgresAdministratorPassword"]);
        Assert.Equal(DeployEnvironment["CLIP_AKS_OIDC_ISSUER_URL"], (string?)parameters["aksOidcIssuerUrl"]!["value"]);
        Assert.Equal("clip", (string?)parameters["kubernetesNamespace"]!["value"]);
        Assert.Equal("clip-workers", (string?)parameters["kubernetesServiceAccountName"]!["value"]);
    }

    [Fact]
    public void BuildParams_WithoutDeployTimeEnvironment_FailsNamingTheMissingVariables()
    {
        var result = BicepCli.Run(null, "build-params", "main.bicepparam", "--stdout");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("CLIP_POSTGRES_ENTRA_ADMIN_ID", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("CLIP_AKS_OIDC_ISSUER_URL", result.StandardError, StringComparison.Ordinal);
    }
}
