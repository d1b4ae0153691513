namespace Clip.Deployment.Tests;

/// <summary>Value sets the tests render the chart with.</summary>
public static class ChartValues
{
    /// <summary>
    /// The chart's defaults plus only the settings it cannot default (the Service Bus queue, the allow-list, the
    /// database host and roles, the managed identities of the workers, the retraining job and KEDA): the smallest
    /// installation that renders.
    /// </summary>
    public static readonly string[] DefaultsWithRequired =
    [
        "--set", "serviceBus.fullyQualifiedNamespace=clip-dev.servicebus.windows.net",
        "--set", "serviceBus.queueName=images",
        "--set", "sources.allowedContainers[0]=https://clipdev.blob.core.windows.net/images",
        "--set", "database.host=clip-dev.postgres.database.azure.com",
        "--set", "database.username=clip-workers",
        "--set", "workloadIdentity.clientId=00000000-0000-0000-0000-00000000c11b",
        "--set", "retraining.database.username=clip-retraining",
        "--set", "retraining.workloadIdentity.clientId=00000000-0000-0000-0000-0000000047a1",
        "--set", "keda.identityId=00000000-0000-0000-0000-00000000ceda",
    ];

    /// <summary>
    /// What turns the review app on, on top of either value set: its Entra app registration (tenant and client ID) and
    /// its own managed identity and PostgreSQL role.
    /// </summary>
    public static readonly string[] ReviewEnabled =
    [
        "--set", "review.enabled=true",
        "--set", "review.azureAd.tenantId=00000000-0000-0000-0000-0000000074e7",
        "--set", "review.azureAd.clientId=00000000-0000-0000-0000-00000000a991",
        "--set", "review.workloadIdentity.clientId=00000000-0000-0000-0000-00000000e71e",
        "--set", "review.database.username=clip-review",
    ];

    /// <summary>The namespace the production deployment's identity trusts (Bicep's kubernetesNamespace default).</summary>
    public const string ProductionNamespace = "clip";

    /// <summary>
    /// A production installation: into the namespace its identity trusts, with the values generated from the Bicep
    /// outputs, then its own settings.
    /// </summary>
    public static readonly string[] Production = ["--namespace", ProductionNamespace, "-f", Helm.InfrastructureValues, "-f", Helm.ProductionValues];

    public static string[] With(this string[] values, params string[] sets) =>
        [.. values, .. sets.SelectMany(set => new[] { "--set", set })];

    /// <summary>These values with one of the --set settings left out.</summary>
    public static string[] Without(this string[] values, string setting) =>
        [.. values.Chunk(2).Where(pair => !pair[1].StartsWith(setting, StringComparison.Ordinal)).SelectMany(pair => pair)];

    public static TheoryData<string> Both => new() { nameof(DefaultsWithRequired), nameof(Production) };

    public static string[] Named(string name) => name switch
    {
        nameof(DefaultsWithRequired) => DefaultsWithRequired,
        nameof(Production) => Production,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
