using System.Text.Json.Nodes;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>
/// <c>networkMode</c> in the compiled template: <c>public</c> (trials) leaves every service on its public endpoint;
/// <c>private</c> (production) injects PostgreSQL into a delegated subnet, gives Storage and Service Bus private
/// endpoints with their privatelink DNS zones, and turns public network access off on all three.
/// </summary>
[Collection(CompiledInfrastructureDefinition.Name)]
public sealed class NetworkModeTemplateTests(CompiledInfrastructure infrastructure)
{
    private const string SubnetType = "Microsoft.Network/virtualNetworks/subnets";
    private const string PrivateEndpointType = "Microsoft.Network/privateEndpoints";
    private const string ZoneType = "Microsoft.Network/privateDnsZones";
    private const string ZoneLinkType = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
    private const string ZoneGroupType = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
    private const string PostgresType = "Microsoft.DBforPostgreSQL/flexibleServers";

    private ArmTemplate DeployPrivate(params (string Name, JsonNode? Value)[] more) =>
        infrastructure.Deploy(
        [
            ("networkMode", "private"),
            ("virtualNetworkName", "aks-vnet"),
            ("virtualNetworkResourceGroupName", "aks-network"),
            ("privateEndpointSubnetPrefix", "10.224.16.0/27"),
            ("postgresSubnetPrefix", "10.224.16.32/28"),
            .. more,
        ]);

    [Fact]
    public void PublicMode_Defaults_DeploysNoNetworkResourcesAndKeepsPublicEndpoints()
    {
        var deployment = infrastructure.Deploy();

        Assert.Equal("public", (string?)deployment.Output("networkMode"));
        Assert.DoesNotContain(deployment.AllResources(), r => r.Type.StartsWith("Microsoft.Network/", StringComparison.Ordinal));
        Assert.DoesNotContain(deployment.AllResources(), r => r.Type == "Microsoft.ServiceBus/namespaces/networkRuleSets");
        Assert.Equal("Enabled", (string?)Properties(deployment, "Microsoft.Storage/storageAccounts")["publicNetworkAccess"]);
        Assert.Equal("Enabled", (string?)Properties(deployment, "Microsoft.ServiceBus/namespaces")["publicNetworkAccess"]);
        var network = Properties(deployment, PostgresType)["network"]!;
        Assert.Equal("Enabled", (string?)network["publicNetworkAccess"]);
        Assert.Null(network["delegatedSubnetResourceId"]);
    }

    [Fact]
    public void PrivateMode_DisablesPublicNetworkAccessOnStorageServiceBusAndPostgres()
    {
        var deployment = DeployPrivate();

        var storage = Properties(deployment, "Microsoft.Storage/storageAccounts");
        Assert.Equal("Disabled", (string?)storage["publicNetworkAccess"]);
        Assert.Equal("Deny", (string?)storage["networkAcls"]!["defaultAction"]);
        Assert.Equal("Disabled", (string?)Properties(deployment, "Microsoft.ServiceBus/namespaces")["publicNetworkAccess"]);
        Assert.Equal("Disabled", (string?)Properties(deployment, PostgresType)["network"]!["publicNetworkAccess"]);
    }

    [Fact]
    public void PrivateMode_ServiceBus_IsPremiumBecausePrivateEndpointsNeedIt()
    {
        var deployment = DeployPrivate();

        var sku = Single(deployment, "Microsoft.ServiceBus/namespaces").Evaluate("sku")!;
        Assert.Equal("Premium", (string?)sku["name"]);
        Assert.Equal("Premium", (string?)sku["tier"]);
        Assert.Equal(1L, (long)sku["capacity"]!);
        Assert.Equal("Standard", (string?)Single(infrastructure.Deploy(), "Microsoft.ServiceBus/namespaces").Evaluate("sku")!["name"]);
    }

    [Fact]
    public void PrivateMode_EventGrid_StillReachesServiceBusAndStorageAsATrustedService()
    {
        var deployment = DeployPrivate();

        // Event Grid delivers from outside the network, with its identity: only the trusted services exception lets it in.
        var rules = Properties(deployment, "Microsoft.ServiceBus/namespaces/networkRuleSets");
        Assert.True((bool)rules["trustedServiceAccessEnabled"]!);
        Assert.Equal("Deny", (string?)rules["defaultAction"]);
        Assert.Equal("Disabled", (string?)rules["publicNetworkAccess"]);
        Assert.Empty(rules["ipRules"]!.AsArray());
        Assert.Equal("AzureServices", (string?)Properties(deployment, "Microsoft.Storage/storageAccounts")["networkAcls"]!["bypass"]);
        var subscription = Properties(deployment, "Microsoft.EventGrid/systemTopics/eventSubscriptions");
        Assert.Equal("SystemAssigned", (string?)subscription["deliveryWithResourceIdentity"]!["identity"]!["type"]);
        Assert.Equal("SystemAssigned", (string?)subscription["deadLetterWithResourceIdentity"]!["identity"]!["type"]);
    }

    [Fact]
    public void PrivateMode_AddsTwoSubnetsToTheClustersNetworkInItsResourceGroup()
    {
        var deployment = DeployPrivate();

        var module = Assert.Single(deployment.OwnResources(), r => (string?)r.Evaluate("name") == "clip-network");
        Assert.True((bool)module.Evaluate("condition")!);
        Assert.Equal("aks-network", (string?)module.Evaluate("resourceGroup"));
        var subnets = deployment.AllResources().Where(r => r.Type == SubnetType).ToDictionary(r => (string)r.Evaluate("name")!);
        Assert.Equal(["aks-vnet/clip-postgres", "aks-vnet/clip-private-endpoints"], subnets.Keys.Order());
        Assert.Equal("10.224.16.0/27", (string?)subnets["aks-vnet/clip-private-endpoints"].Evaluate("properties")!["addressPrefix"]);
        Assert.Equal("10.224.16.32/28", (string?)subnets["aks-vnet/clip-postgres"].Evaluate("properties")!["addressPrefix"]);
    }

    [Fact]
    public void PrivateMode_Postgres_IsInjectedIntoTheDelegatedSubnetWithALinkedPrivateZone()
    {
        var deployment = DeployPrivate(("postgresFirewallRules", new JsonArray(new JsonObject
        {
            ["name"] = "office",
            ["startIpAddress"] = "203.0.113.10",
            ["endIpAddress"] = "203.0.113.10",
        })));

        var subnet = Assert.Single(deployment.AllResources(), r => r.Type == SubnetType && (string?)r.Evaluate("name") == "aks-vnet/clip-postgres");
        var delegation = Assert.Single(subnet.Evaluate("properties")!["delegations"]!.AsArray())!;
        Assert.Equal("Microsoft.DBforPostgreSQL/flexibleServers", (string?)delegation["properties"]!["serviceName"]);

        var network = Properties(deployment, PostgresType)["network"]!;
        AssertId(network["delegatedSubnetResourceId"], SubnetType, "aks-vnet", "clip-postgres");
        const string zoneName = "clip-test-pg.private.postgres.database.azure.com";
        AssertId(network["privateDnsZoneArmResourceId"], ZoneType, zoneName);
        Assert.Contains(deployment.AllResources(), r => r.Type == ZoneType && (string?)r.Evaluate("name") == zoneName);
        AssertLinkedToTheClustersNetwork(deployment, zoneName);

        // A VNet-injected server has no public endpoint for firewall rules to open.
        Assert.DoesNotContain(deployment.AllResources(), r => r.Type == "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules");
    }

    [Theory]
    [InlineData("blob", "Microsoft.Storage/storageAccounts", "cliptestimages", "privatelink.blob.core.windows.net")]
    [InlineData("namespace", "Microsoft.ServiceBus/namespaces", "clip-test-bus", "privatelink.servicebus.windows.net")]
    public void PrivateMode_PrivateEndpoint_ConnectsTheServiceInThePrivateEndpointSubnetWithItsZone(
        string groupId, string targetType, string targetName, string zoneName)
    {
        var deployment = DeployPrivate();

        var endpoint = Assert.Single(
            deployment.AllResources(),
            r => r.Type == PrivateEndpointType
                && (string?)r.Evaluate("properties")!["privateLinkServiceConnections"]![0]!["properties"]!["groupIds"]![0] == groupId);
        var properties = endpoint.Evaluate("properties")!;
        AssertId(properties["subnet"]!["id"], SubnetType, "aks-vnet", "clip-private-endpoints");
        var connection = Assert.Single(properties["privateLinkServiceConnections"]!.AsArray())!["properties"]!;
        Assert.Equal([groupId], connection["groupIds"]!.AsArray().Select(g => (string?)g));
        AssertId(connection["privateLinkServiceId"], targetType, targetName);

        // The zone group lives in the same module as its endpoint and points at that module's zone.
        var zoneGroup = Assert.Single(endpoint.Template.AllResources(), r => r.Type == ZoneGroupType);
        var zoneConfig = Assert.Single(zoneGroup.Evaluate("properties")!["privateDnsZoneConfigs"]!.AsArray())!;
        AssertId(zoneConfig["properties"]!["privateDnsZoneId"], ZoneType, zoneName);
        Assert.Equal(zoneName, (string?)Assert.Single(endpoint.Template.AllResources(), r => r.Type == ZoneType).Evaluate("name"));
        AssertLinkedToTheClustersNetwork(deployment, zoneName);
    }

    [Fact]
    public void PrivateMode_Deployment_HasExactlyTheThreeZonesAndTwoEndpoints()
    {
        var deployment = DeployPrivate();

        Assert.Equal(2, deployment.AllResources().Count(r => r.Type == PrivateEndpointType));
        Assert.Equal(3, deployment.AllResources().Count(r => r.Type == ZoneLinkType));
        Assert.Equal(
            ["clip-test-pg.private.postgres.database.azure.com", "privatelink.blob.core.windows.net", "privatelink.servicebus.windows.net"],
            deployment.AllResources().Where(r => r.Type == ZoneType).Select(r => (string?)r.Evaluate("name")).Order());
    }

    [Theory]
    [InlineData("virtualNetworkName", "the existing VNet the AKS node pool subnet is in")]
    [InlineData("privateEndpointSubnetPrefix", "for the private endpoints")]
    [InlineData("postgresSubnetPrefix", "for PostgreSQL")]
    public void PrivateMode_WithoutTheNetwork_FailsNamingTheMissingParameter(string parameter, string explanation)
    {
        var deployment = DeployPrivate((parameter, ""));

        // The failure surfaces where the values are used: the subnets' names and prefixes.
        var failure = Assert.Throws<ArmDeploymentFailedException>(
            () => deployment.AllResources().Where(r => r.Type == SubnetType).Select(r => r.Evaluate("properties")).ToList());

        Assert.Contains($"networkMode private needs {parameter}", failure.Message, StringComparison.Ordinal);
        Assert.Contains(explanation, failure.Message, StringComparison.Ordinal);
    }

    private static void AssertLinkedToTheClustersNetwork(ArmTemplate deployment, string zoneName)
    {
        var link = Assert.Single(
            deployment.AllResources(),
            r => r.Type == ZoneLinkType && ((string)r.Evaluate("name")!).StartsWith(zoneName + "/", StringComparison.Ordinal));
        var properties = link.Evaluate("properties")!;
        Assert.False((bool)properties["registrationEnabled"]!);
        AssertId(properties["virtualNetwork"]!["id"], "Microsoft.Network/virtualNetworks", "aks-vnet");
    }

    private static ArmResource Single(ArmTemplate deployment, string type) =>
        Assert.Single(deployment.AllResources(), r => r.Type == type);

    private static JsonNode Properties(ArmTemplate deployment, string type) => Single(deployment, type).Evaluate("properties")!;

    private static void AssertId(JsonNode? resourceId, string type, params string[] names)
    {
        Assert.NotNull(resourceId);
        Assert.Equal(type, (string?)resourceId["type"]);
        Assert.Equal(names, resourceId["names"]!.AsArray().Select(n => (string?)n));
    }
}
