using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml;
using Clip.TestUtilities;

namespace Clip.Deployment.Tests.Bicep;

/// <summary>What the compiled ARM template promises: identity-only access, least-privilege roles at the narrowest
/// scope, an event route that only carries image uploads, and a queue that absorbs Event Grid's redeliveries.</summary>
[Collection(CompiledInfrastructureDefinition.Name)]
public sealed class InfrastructureTemplateTests(CompiledInfrastructure infrastructure)
{
    private const string StorageBlobDataReader = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    private const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    private const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    private const string ServiceBusDataOwner = "090c5cfd-751d-490a-894a-3ce6f1109419";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string FederatedCredentialType = "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials";

    private const string ContainerType = "Microsoft.Storage/storageAccounts/blobServices/containers";
    private const string QueueType = "Microsoft.ServiceBus/namespaces/queues";

    [Fact]
    public void StorageAccount_Defaults_AllowsOnlyEntraIdOverHttps()
    {
        var deployment = infrastructure.Deploy();

        var account = Single(deployment, "Microsoft.Storage/storageAccounts");
        var properties = account.Evaluate("properties")!;
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.Equal("cliptestimages", (string?)account.Evaluate("name"));

        var containers = deployment.AllResources().Where(r => r.Type == ContainerType).ToDictionary(r => (string)r.Evaluate("name")!);
        Assert.Equal(["cliptestimages/default/events-deadletter", "cliptestimages/default/images", "cliptestimages/default/models"], containers.Keys.Order());
        Assert.All(containers.Values, c => Assert.Equal("None", (string?)c.Evaluate("properties")!["publicAccess"]));
    }

    [Fact]
    public void BlobService_Defaults_KeepsDeletedBlobsAndContainersForAWeek()
    {
        var properties = Single(infrastructure.Deploy(), "Microsoft.Storage/storageAccounts/blobServices").Evaluate("properties")!;

        Assert.True((bool)properties["deleteRetentionPolicy"]!["enabled"]!);
        Assert.Equal(7, (int)properties["deleteRetentionPolicy"]!["days"]!);
        Assert.True((bool)properties["containerDeleteRetentionPolicy"]!["enabled"]!);
        Assert.Equal(7, (int)properties["containerDeleteRetentionPolicy"]!["days"]!);
    }

    [Fact]
    public void ServiceBusNamespace_Defaults_IsStandardWithLocalAuthDisabled()
    {
        var ns = Single(infrastructure.Deploy(), "Microsoft.ServiceBus/namespaces");

        Assert.Equal("Standard", (string?)ns.Evaluate("sku")!["name"]);
        Assert.True((bool)ns.Evaluate("properties")!["disableLocalAuth"]!);
    }

    [Fact]
    public void Queue_Defaults_DeadLettersAfterTenDeliveriesWithFiveMinuteLocks()
    {
        var queue = Single(infrastructure.Deploy(), QueueType);
        var properties = queue.Evaluate("properties")!;

        Assert.Equal("clip-test-bus/images", (string?)queue.Evaluate("name"));
        // The most Service Bus allows: prefetched messages' locks are not renewed until the worker takes them.
        Assert.Equal(TimeSpan.FromMinutes(5), XmlConvert.ToTimeSpan((string)properties["lockDuration"]!));
        Assert.Equal(10, (int)properties["maxDeliveryCount"]!);
        Assert.True((bool)properties["deadLetteringOnMessageExpiration"]!);
        Assert.False((bool)properties["requiresSession"]!);
    }

    [Fact]
    public void DuplicateDetectionWindow_Defaults_CoversEventGridsWholeRetryPeriod()
    {
        var deployment = infrastructure.Deploy();
        var queue = Single(deployment, QueueType).Evaluate("properties")!;
        var retry = Single(deployment, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Evaluate("properties")!["retryPolicy"]!;

        var window = XmlConvert.ToTimeSpan((string)queue["duplicateDetectionHistoryTimeWindow"]!);
        var eventTimeToLive = TimeSpan.FromMinutes((int)retry["eventTimeToLiveInMinutes"]!);
        Assert.True((bool)queue["requiresDuplicateDetection"]!);
        Assert.Equal(TimeSpan.FromHours(24), eventTimeToLive);
        Assert.Equal(30, (int)retry["maxDeliveryAttempts"]!);
        Assert.True(window >= eventTimeToLive, $"window {window} < Event Grid's retry period {eventTimeToLive}");
        Assert.True(window <= TimeSpan.FromDays(7), $"window {window} exceeds Service Bus's 7-day maximum");
    }

    [Fact]
    public void RoleAssignments_Defaults_AreOnlyReadersReceiverSenderDeadLetterWriterAndKedasOwner()
    {
        var roles = RoleAssignments(infrastructure.Deploy()).Select(a => a.RoleId).Order().ToArray();

        string[] expected =
        [
            StorageBlobDataReader, StorageBlobDataReader, ServiceBusDataReceiver, // the workers
            StorageBlobDataReader, // the retraining job
            ServiceBusDataSender, StorageBlobDataContributor, // Event Grid's system topic
            ServiceBusDataOwner, // KEDA
        ];
        Assert.Equal(expected.Order(), roles);
    }

    [Fact]
    public void WorkersIdentity_Defaults_ReadsTheImagesAndModelsContainersAndReceivesFromTheQueueOnly()
    {
        var assignments = RoleAssignments(infrastructure.Deploy()).Where(a => a.Identity == "clip-workers").ToArray();

        Assert.Equal(3, assignments.Length);
        var readers = assignments.Where(a => a.RoleId == StorageBlobDataReader).Select(a => (string?)a.Scope!["names"]![2]).Order();
        Assert.Equal(["images", "models"], readers);
        Assert.All(assignments.Where(a => a.RoleId == StorageBlobDataReader), a => Assert.Equal(ContainerType, (string?)a.Scope!["type"]));
        AssertScope(Assert.Single(assignments, a => a.RoleId == ServiceBusDataReceiver).Scope, QueueType, "clip-test-bus", "images");
    }

    [Fact]
    public void RetrainingIdentity_Defaults_ReadsTheModelsContainerOnly()
    {
        // Retraining reads stored embeddings, not images, and never the queue; its model init container reads the bundle.
        var reader = Assert.Single(RoleAssignments(infrastructure.Deploy()), a => a.Identity == "clip-retraining");

        Assert.Equal(StorageBlobDataReader, reader.RoleId);
        AssertScope(reader.Scope, ContainerType, "cliptestimages", "default", "models");
    }

    [Fact]
    public void RetrainingIdentity_Defaults_TrustsTheRetrainingJobsOwnServiceAccountOnTheWorkersIssuer()
    {
        var deployment = infrastructure.Deploy();

        var retraining = FederatedCredential(deployment, "clip-retraining");
        var workers = FederatedCredential(deployment, "clip-workers");
        Assert.Equal("system:serviceaccount:clip:clip-workers-retraining", (string?)retraining["subject"]);
        Assert.NotEqual((string?)workers["subject"], (string?)retraining["subject"]);
        Assert.Equal((string?)workers["issuer"], (string?)retraining["issuer"]);
        Assert.Equal(["api://AzureADTokenExchange"], retraining["audiences"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("system:serviceaccount:clip:clip-workers-retraining", (string?)deployment.Output("kubernetesRetrainingServiceAccount"));
    }

    [Fact]
    public void RetrainingIdentity_OtherNamespaceAndServiceAccount_TrustsThatServiceAccount()
    {
        var deployment = infrastructure.Deploy(("kubernetesNamespace", "vision"), ("kubernetesRetrainingServiceAccountName", "trainer"));

        Assert.Equal("system:serviceaccount:vision:trainer", (string?)FederatedCredential(deployment, "clip-retraining")["subject"]);
        Assert.Equal("trainer", (string?)deployment.Output("kubernetesRetrainingServiceAccountName"));
    }

    [Fact]
    public void ReviewIdentity_Defaults_IsNotDeployedAndItsOutputsAreEmpty()
    {
        var deployment = infrastructure.Deploy();

        var module = Assert.Single(deployment.OwnResources(), r => (string?)r.Evaluate("name") == "clip-review-identity");
        Assert.False((bool)module.Evaluate("condition")!);
        Assert.DoesNotContain(RoleAssignments(deployment), a => a.Identity == "clip-review");
        string[] outputs = ["reviewIdentityClientId", "reviewIdentityName", "postgresReviewerRole", "kubernetesReviewServiceAccount", "kubernetesReviewServiceAccountName"];
        Assert.All(outputs, name => Assert.Equal("", (string?)deployment.Output(name)));
    }

    [Fact]
    public void ReviewIdentity_Deployed_ReadsTheImagesAndModelsContainersOnly()
    {
        // Thumbnails come from the images container, the search model from the models container; no queue, no writes.
        var deployment = infrastructure.Deploy(("deployReview", true));
        var assignments = RoleAssignments(deployment).Where(a => a.Identity == "clip-review").ToArray();

        Assert.Equal(2, assignments.Length);
        Assert.All(assignments, a => Assert.Equal(StorageBlobDataReader, a.RoleId));
        Assert.All(assignments, a => Assert.Equal(ContainerType, (string?)a.Scope!["type"]));
        Assert.Equal(["images", "models"], assignments.Select(a => (string?)a.Scope!["names"]![2]).Order());
        Assert.All(assignments, a => Assert.Equal("cliptestimages", (string?)a.Scope!["names"]![0]));
    }

    [Fact]
    public void ReviewIdentity_Deployed_AddsTwoBlobReadersToTheOtherSevenAssignments()
    {
        var roles = RoleAssignments(infrastructure.Deploy(("deployReview", true))).Select(a => a.RoleId).ToArray();

        Assert.Equal(9, roles.Length);
        Assert.Equal(5, roles.Count(r => r == StorageBlobDataReader));
    }

    [Fact]
    public void ReviewIdentity_Deployed_TrustsTheReviewAppsOwnServiceAccountOnTheWorkersIssuer()
    {
        var deployment = infrastructure.Deploy(("deployReview", true));

        var review = FederatedCredential(deployment, "clip-review");
        var workers = FederatedCredential(deployment, "clip-workers");
        Assert.Equal("system:serviceaccount:clip:clip-workers-review", (string?)review["subject"]);
        Assert.NotEqual((string?)workers["subject"], (string?)review["subject"]);
        Assert.NotEqual((string?)FederatedCredential(deployment, "clip-retraining")["subject"], (string?)review["subject"]);
        Assert.Equal((string?)workers["issuer"], (string?)review["issuer"]);
        Assert.Equal(["api://AzureADTokenExchange"], review["audiences"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("system:serviceaccount:clip:clip-workers-review", (string?)deployment.Output("kubernetesReviewServiceAccount"));
        Assert.Equal("clip-workers-review", (string?)deployment.Output("kubernetesReviewServiceAccountName"));
    }

    [Fact]
    public void ReviewIdentity_OtherNamespaceAndServiceAccount_TrustsThatServiceAccount()
    {
        var deployment = infrastructure.Deploy(("deployReview", true), ("kubernetesNamespace", "vision"), ("kubernetesReviewServiceAccountName", "reviewer"));

        Assert.Equal("system:serviceaccount:vision:reviewer", (string?)FederatedCredential(deployment, "clip-review")["subject"]);
    }

    [Fact]
    public void PostgresReviewerRole_Deployed_IsTheReviewIdentityAndNoneOfTheOthers()
    {
        var outputs = infrastructure.Deploy(("deployReview", true)).Outputs();
        string? Output(string name) => (string?)outputs[name]!["value"];

        // A role of its own: it writes feedback, which neither the workers' nor the retraining job's role may.
        Assert.Equal("clip-review", Output("postgresReviewerRole"));
        Assert.Equal(Output("reviewIdentityName"), Output("postgresReviewerRole"));
        Assert.DoesNotContain(Output("postgresReviewerRole"), new[] { Output("postgresWorkerRole"), Output("postgresRetrainerRole"), Output("postgresEntraAdminPrincipalName") });
        Assert.Matches("^[0-9a-f-]{36}$", Output("reviewIdentityClientId"));
        Assert.NotEqual(Output("workloadIdentityClientId"), Output("reviewIdentityClientId"));
    }

    [Fact]
    public void KedaIdentity_Defaults_OwnsTheQueueOnlyAndTrustsTheKedaOperator()
    {
        var deployment = infrastructure.Deploy();

        var owner = Assert.Single(RoleAssignments(deployment), a => a.Identity == "clip-keda");
        Assert.Equal(ServiceBusDataOwner, owner.RoleId);
        AssertScope(owner.Scope, QueueType, "clip-test-bus", "images");
        Assert.Equal("system:serviceaccount:kube-system:keda-operator", (string?)FederatedCredential(deployment, "clip-keda")["subject"]);
        Assert.Contains("kedaIdentityClientId", infrastructure.Template["outputs"]!.AsObject().Select(o => o.Key));
    }

    [Fact]
    public void KedaIdentity_OtherOperatorNamespace_TrustsThatServiceAccount()
    {
        var deployment = infrastructure.Deploy(("kedaOperatorNamespace", "keda"), ("kedaOperatorServiceAccountName", "keda-operator-sa"));

        Assert.Equal("system:serviceaccount:keda:keda-operator-sa", (string?)FederatedCredential(deployment, "clip-keda")["subject"]);
    }

    [Fact]
    public void SystemTopicIdentity_Defaults_SendsToTheQueueOnly()
    {
        var sender = Assert.Single(RoleAssignments(infrastructure.Deploy()), a => a.RoleId == ServiceBusDataSender);

        Assert.Contains("Microsoft.EventGrid/systemTopics", sender.Principal, StringComparison.Ordinal);
        AssertScope(sender.Scope, QueueType, "clip-test-bus", "images");
    }

    [Fact]
    public void EventSubscription_Defaults_DeliversImageBlobCreatedEventsToTheQueueAsEventGridSchema()
    {
        var properties = Single(infrastructure.Deploy(), "Microsoft.EventGrid/systemTopics/eventSubscriptions").Evaluate("properties")!;

        Assert.Null(properties["destination"]);
        var delivery = properties["deliveryWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", (string?)delivery["identity"]!["type"]);
        Assert.Equal("ServiceBusQueue", (string?)delivery["destination"]!["endpointType"]);
        AssertScope(delivery["destination"]!["properties"]!["resourceId"], QueueType, "clip-test-bus", "images");
        Assert.Equal("EventGridSchema", (string?)properties["eventDeliverySchema"]);

        var filter = properties["filter"]!;
        Assert.Equal(["Microsoft.Storage.BlobCreated"], filter["includedEventTypes"]!.AsArray().Select(e => (string?)e));
        Assert.Equal("/blobServices/default/containers/images/blobs/", (string?)filter["subjectBeginsWith"]);
        Assert.False((bool)filter["isSubjectCaseSensitive"]!);
        var extensions = Assert.Single(filter["advancedFilters"]!.AsArray())!;
        Assert.Equal("StringEndsWith", (string?)extensions["operatorType"]);
        Assert.Equal("subject", (string?)extensions["key"]);
        Assert.Equal([".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp"], extensions["values"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void EventSubscription_OtherContainerAndCloudEvents_FiltersThatContainer()
    {
        var deployment = infrastructure.Deploy(("imagesContainerName", "uploads"), ("eventDeliverySchema", "CloudEventSchemaV1_0"));
        var properties = Single(deployment, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Evaluate("properties")!;

        Assert.Equal("/blobServices/default/containers/uploads/blobs/", (string?)properties["filter"]!["subjectBeginsWith"]);
        Assert.Equal("CloudEventSchemaV1_0", (string?)properties["eventDeliverySchema"]);
        var readers = RoleAssignments(deployment).Where(a => a.RoleId == StorageBlobDataReader && a.Identity == "clip-workers").Select(a => (string?)a.Scope!["names"]![2]).Order();
        Assert.Equal(["models", "uploads"], readers);
    }

    [Fact]
    public void EventSubscription_Defaults_DeadLettersWhatItCannotDeliverToTheDeadLetterContainerWithItsIdentity()
    {
        var properties = Single(infrastructure.Deploy(), "Microsoft.EventGrid/systemTopics/eventSubscriptions").Evaluate("properties")!;

        // Without a dead-letter destination Event Grid drops an event once its retry policy runs out.
        Assert.Null(properties["deadLetterDestination"]);
        var deadLetter = properties["deadLetterWithResourceIdentity"]!;
        Assert.Equal("SystemAssigned", (string?)deadLetter["identity"]!["type"]);
        Assert.Equal("StorageBlob", (string?)deadLetter["deadLetterDestination"]!["endpointType"]);
        var destination = deadLetter["deadLetterDestination"]!["properties"]!;
        AssertScope(destination["resourceId"], "Microsoft.Storage/storageAccounts", "cliptestimages");
        Assert.Equal("events-deadletter", (string?)destination["blobContainerName"]);
    }

    [Fact]
    public void EventSubscription_OtherDeadLetterContainer_CreatesAndWritesThatOne()
    {
        var deployment = infrastructure.Deploy(("deadLetterContainerName", "undelivered"));

        var properties = Single(deployment, "Microsoft.EventGrid/systemTopics/eventSubscriptions").Evaluate("properties")!;
        Assert.Equal("undelivered", (string?)properties["deadLetterWithResourceIdentity"]!["deadLetterDestination"]!["properties"]!["blobContainerName"]);
        Assert.Contains(deployment.AllResources(), r => r.Type == ContainerType && (string?)r.Evaluate("name") == "cliptestimages/default/undelivered");
        Assert.Equal("undelivered", (string?)deployment.Output("deadLetterContainerName"));
    }

    [Fact]
    public void SystemTopicIdentity_Defaults_WritesTheDeadLetterContainerOnly()
    {
        var writer = Assert.Single(RoleAssignments(infrastructure.Deploy()), a => a.RoleId == StorageBlobDataContributor);

        Assert.Contains("Microsoft.EventGrid/systemTopics", writer.Principal, StringComparison.Ordinal);
        AssertScope(writer.Scope, ContainerType, "cliptestimages", "default", "events-deadletter");
    }

    [Fact]
    public void EventSubscription_Defaults_WaitsForBothRolesBeforeItIsCreated()
    {
        var subscription = Single(infrastructure.Deploy(), "Microsoft.EventGrid/systemTopics/eventSubscriptions");

        // Event Grid checks at creation that its identity may send to the queue and write the dead-letter container.
        var dependsOn = subscription.Json["dependsOn"]!.AsArray().Select(d => d!.ToString()).ToArray();
        Assert.Contains(dependsOn, d => d.Contains("Microsoft.Storage/storageAccounts/blobServices/containers", StringComparison.Ordinal)
            && d.Contains("Microsoft.Authorization/roleAssignments", StringComparison.Ordinal));
        Assert.Contains(dependsOn, d => d.Contains("Microsoft.ServiceBus/namespaces/queues", StringComparison.Ordinal)
            && d.Contains("Microsoft.Authorization/roleAssignments", StringComparison.Ordinal));
    }

    [Fact]
    public void SystemTopic_Defaults_WatchesTheStorageAccount()
    {
        var topic = Single(infrastructure.Deploy(), "Microsoft.EventGrid/systemTopics");
        var properties = topic.Evaluate("properties")!;

        Assert.Equal("SystemAssigned", (string?)topic.Evaluate("identity")!["type"]);
        Assert.Equal("Microsoft.Storage.StorageAccounts", (string?)properties["topicType"]);
        AssertScope(properties["source"], "Microsoft.Storage/storageAccounts", "cliptestimages");
    }

    [Fact]
    public void FederatedCredential_Defaults_TrustsTheChartsServiceAccount()
    {
        var properties = FederatedCredential(infrastructure.Deploy(), "clip-workers");

        Assert.Equal("system:serviceaccount:clip:clip-workers", (string?)properties["subject"]);
        Assert.Equal(CompiledInfrastructure.RequiredParameters["aksOidcIssuerUrl"]!.GetValue<string>(), (string?)properties["issuer"]);
        Assert.Equal(["api://AzureADTokenExchange"], properties["audiences"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void FederatedCredential_OtherNamespaceAndServiceAccount_BuildsTheSubjectFromThem()
    {
        var deployment = infrastructure.Deploy(("kubernetesNamespace", "vision"), ("kubernetesServiceAccountName", "labeler"));

        var properties = FederatedCredential(deployment, "clip-workers");

        Assert.Equal("system:serviceaccount:vision:labeler", (string?)properties["subject"]);
    }

    [Fact]
    public void PostgresPassword_Declaration_IsSecureAndNeverOutput()
    {
        var parameter = infrastructure.Template["parameters"]!["postgresAdministratorPassword"]!.AsObject();

        Assert.Equal("securestring", (string?)parameter["type"]);
        Assert.Equal("", (string?)parameter["defaultValue"]);
        Assert.DoesNotContain(infrastructure.Template["outputs"]!.AsObject(), o => o.Key.Contains("password", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void PostgresServer_Defaults_AcceptsEntraIdOnlyWithNoPasswordAdministrator()
    {
        var properties = Single(infrastructure.Deploy(), "Microsoft.DBforPostgreSQL/flexibleServers").Evaluate("properties")!;

        Assert.Equal("Enabled", (string?)properties["authConfig"]!["activeDirectoryAuth"]);
        Assert.Equal("Disabled", (string?)properties["authConfig"]!["passwordAuth"]);
        Assert.Equal(ArmTemplate.TenantId, (string?)properties["authConfig"]!["tenantId"]);
        Assert.Null(properties["administratorLogin"]);
        Assert.Null(properties["administratorLoginPassword"]);
    }

    [Fact]
    public void PostgresServer_PasswordAuthForTrials_AcceptsBothWithThePasswordAdministrator()
    {
        var deployment = infrastructure.Deploy(("postgresPasswordAuth", true), ("postgresAdministratorPassword", "not-a-real-password"));
        var properties = Single(deployment, "Microsoft.DBforPostgreSQL/flexibleServers").Evaluate("properties")!;

        Assert.Equal("Enabled", (string?)properties["authConfig"]!["activeDirectoryAuth"]);
        Assert.Equal("Enabled", (string?)properties["authConfig"]!["passwordAuth"]);
        Assert.Equal("clipadmin", (string?)properties["administratorLogin"]);
        Assert.Equal("not-a-real-password", (string?)properties["administratorLoginPassword"]);
        Assert.Equal("clipadmin", (string?)deployment.Outputs()["postgresAdministratorLogin"]!["value"]);
    }

    [Fact]
    public void PostgresEntraAdministrator_Defaults_IsTheGivenGroupInThisTenant()
    {
        var admin = Single(infrastructure.Deploy(), "Microsoft.DBforPostgreSQL/flexibleServers/administrators");

        Assert.Equal($"clip-test-pg/{CompiledInfrastructure.EntraAdminObjectId}", (string?)admin.Evaluate("name"));
        var properties = admin.Evaluate("properties")!;
        Assert.Equal("clip-db-admins", (string?)properties["principalName"]);
        Assert.Equal("Group", (string?)properties["principalType"]);
        Assert.Equal(ArmTemplate.TenantId, (string?)properties["tenantId"]);
    }

    [Fact]
    public void PostgresEntraAdministrator_ServicePrincipal_KeepsItsType()
    {
        var admin = Single(infrastructure.Deploy(("postgresEntraAdminPrincipalType", "ServicePrincipal"), ("postgresEntraAdminPrincipalName", "clip-deployer")), "Microsoft.DBforPostgreSQL/flexibleServers/administrators");

        Assert.Equal("ServicePrincipal", (string?)admin.Evaluate("properties")!["principalType"]);
        Assert.Equal("clip-deployer", (string?)admin.Evaluate("properties")!["principalName"]);
    }

    [Fact]
    public void PostgresWorkerRole_Defaults_IsTheWorkersIdentityAndNotTheAdministrator()
    {
        var outputs = infrastructure.Deploy().Outputs();

        // The workers sign in as their identity's name; the administrator is someone else, so the workers hold no admin rights.
        Assert.Equal("clip-workers", (string?)outputs["postgresWorkerRole"]!["value"]);
        Assert.Equal((string?)outputs["workloadIdentityName"]!["value"], (string?)outputs["postgresWorkerRole"]!["value"]);
        Assert.Equal("", (string?)outputs["postgresAdministratorLogin"]!["value"]);
        Assert.NotEqual((string?)outputs["postgresWorkerRole"]!["value"], (string?)outputs["postgresEntraAdminPrincipalName"]!["value"]);
        var admins = infrastructure.Deploy().AllResources().Where(r => r.Type == "Microsoft.DBforPostgreSQL/flexibleServers/administrators").ToList();
        Assert.DoesNotContain(admins, a => (string?)a.Evaluate("properties")!["principalName"] == "clip-workers");
    }

    [Fact]
    public void PostgresRetrainerRole_Defaults_IsTheRetrainingIdentityAndNeitherTheWorkersNorTheAdministrator()
    {
        var outputs = infrastructure.Deploy().Outputs();
        string? Output(string name) => (string?)outputs[name]!["value"];

        // A role of its own: the workers' role may not write heads, and the job holds no admin rights either.
        Assert.Equal("clip-retraining", Output("postgresRetrainerRole"));
        Assert.Equal(Output("retrainingIdentityName"), Output("postgresRetrainerRole"));
        Assert.NotEqual(Output("postgresWorkerRole"), Output("postgresRetrainerRole"));
        Assert.NotEqual(Output("postgresEntraAdminPrincipalName"), Output("postgresRetrainerRole"));
        var admins = infrastructure.Deploy().AllResources().Where(r => r.Type == "Microsoft.DBforPostgreSQL/flexibleServers/administrators").ToList();
        Assert.DoesNotContain(admins, a => (string?)a.Evaluate("properties")!["principalName"] == "clip-retraining");
    }

    [Fact]
    public void PostgresServer_Defaults_CreatesTheClipDatabaseWithNoOpenFirewall()
    {
        var deployment = infrastructure.Deploy();

        Assert.Equal("clip-test-pg/clip", (string?)Single(deployment, "Microsoft.DBforPostgreSQL/flexibleServers/databases").Evaluate("name"));
        var firewall = Single(deployment, "Microsoft.DBforPostgreSQL/flexibleServers/firewallRules");
        Assert.Empty(firewall.Template.Parameter("firewallRules")!.AsArray());
    }

    [Fact]
    public void PostgresServer_Defaults_IsGeneralPurposeWithoutStandby()
    {
        var server = Single(infrastructure.Deploy(), "Microsoft.DBforPostgreSQL/flexibleServers");

        // Burstable B1ms allows 35 user connections, which a few worker replicas exhaust.
        Assert.Equal("Standard_D2ds_v5", (string?)server.Evaluate("sku")!["name"]);
        Assert.Equal("GeneralPurpose", (string?)server.Evaluate("sku")!["tier"]);
        Assert.Equal("Disabled", (string?)server.Evaluate("properties")!["highAvailability"]!["mode"]);
    }

    [Fact]
    public void PostgresServer_ZoneRedundant_HasAStandbyInAnotherZone()
    {
        var server = Single(infrastructure.Deploy(("postgresHighAvailability", "ZoneRedundant")), "Microsoft.DBforPostgreSQL/flexibleServers");

        Assert.Equal("ZoneRedundant", (string?)server.Evaluate("properties")!["highAvailability"]!["mode"]);
    }

    [Fact]
    public void GpuNodePool_Defaults_IsNotDeployed()
    {
        var module = Assert.Single(infrastructure.Deploy().OwnResources(), r => (string?)r.Evaluate("name") == "clip-gpu-nodepool");

        Assert.False((bool)module.Evaluate("condition")!);
    }

    [Fact]
    public void GpuNodePool_Enabled_IsATaintedUserPoolTheChartCanTolerate()
    {
        var deployment = infrastructure.Deploy(("deployGpuNodePool", true), ("aksClusterName", "aks-prod"));

        var module = Assert.Single(deployment.OwnResources(), r => (string?)r.Evaluate("name") == "clip-gpu-nodepool");
        Assert.True((bool)module.Evaluate("condition")!);
        var pool = Single(deployment, "Microsoft.ContainerService/managedClusters/agentPools");
        var properties = pool.Evaluate("properties")!;
        Assert.Equal("aks-prod/clipgpu", (string?)pool.Evaluate("name"));
        Assert.Equal("User", (string?)properties["mode"]);
        Assert.Equal("Standard_NC4as_T4_v3", (string?)properties["vmSize"]);
        Assert.Equal(["nvidia.com/gpu=present:NoSchedule"], properties["nodeTaints"]!.AsArray().Select(t => (string?)t));
        Assert.Equal("clip-gpu", (string?)properties["nodeLabels"]!["workload"]);
    }

    [Fact]
    public void GpuVmSize_Allowed_AreTheSizesTheChartChecksRequestsAgainst()
    {
        var allowed = infrastructure.Template["parameters"]!["gpuVmSize"]!["allowedValues"]!.AsArray().Select(v => (string)v!).Order();
        var table = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "charts", "clip-workers", "templates", "_nodesizes.tpl"));
        var chartSizes = Regex.Matches(table, @"^(Standard_\w+):", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order();

        Assert.Equal(chartSizes, allowed);
        Assert.DoesNotContain(allowed, size => size.Contains("s_v3", StringComparison.Ordinal) && !size.Contains("T4", StringComparison.Ordinal));

        // Both also say how many GPUs, and so workers, a node of each size has: the chart to share the node among them,
        // Bicep to size keda.maxReplicas.
        var chartGpus = Regex.Matches(table, @"^(Standard_\w+):.*\bgpus: (\d+)", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        var bicepGpus = infrastructure.Deploy().Variable("gpusPerNode")!.AsObject().ToDictionary(p => p.Key, p => (int)p.Value!);
        Assert.Equal(chartGpus.OrderBy(p => p.Key, StringComparer.Ordinal), bicepGpus.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("Standard_NC4as_T4_v3", 3, 3)]
    [InlineData("Standard_NC64as_T4_v3", 2, 8)]
    [InlineData("Standard_NC32ads_A10_v4", 3, 6)]
    public void GpuMaxCount_IsOneWorkerPerGpuOfTheLargestPool(string size, int nodes, int gpus)
    {
        var deployment = infrastructure.Deploy(("deployGpuNodePool", true), ("aksClusterName", "aks"), ("gpuVmSize", size), ("gpuNodeMaxCount", nodes));

        Assert.Equal(gpus, (int)deployment.Output("gpuMaxCount")!);
        Assert.Equal(size, (string?)deployment.Output("gpuVmSize"));
    }

    [Fact]
    public void Outputs_Declaration_CoverTheChartsValues()
    {
        var outputs = infrastructure.Template["outputs"]!.AsObject().Select(o => o.Key).ToHashSet();
        string[] chartValues =
        [
            "storageBlobEndpoint",
            "imagesContainerUrl",
            "serviceBusFullyQualifiedNamespace",
            "serviceBusQueueName",
            "postgresHost",
            "postgresDatabaseName",
            "postgresWorkerRole",
            "postgresRetrainerRole",
            "workloadIdentityClientId",
            "retrainingIdentityClientId",
            "kubernetesRetrainingServiceAccountName",
            "reviewIdentityClientId",
            "postgresReviewerRole",
            "kubernetesReviewServiceAccountName",
            "workloadIdentityName",
            "workloadIdentityResourceId",
            "kedaIdentityClientId",
            "kubernetesNamespace",
            "kubernetesServiceAccountName",
            "modelsContainerName",
            "storageAccountName",
        ];

        Assert.All(chartValues, name => Assert.Contains(name, outputs));
    }

    private static ArmResource Single(ArmTemplate deployment, string type) =>
        Assert.Single(deployment.AllResources(), r => r.Type == type);

    private static IEnumerable<RoleAssignment> RoleAssignments(ArmTemplate deployment) =>
        deployment.AllResources()
            .Where(r => r.Type == "Microsoft.Authorization/roleAssignments")
            .Select(r =>
            {
                var roleDefinition = r.Template.Evaluate(r.Json["properties"]!["roleDefinitionId"])!;
                Assert.Equal("Microsoft.Authorization/roleDefinitions", (string?)roleDefinition["type"]);
                var principal = (string)r.Json["properties"]!["principalId"]!;
                var identity = principal.Contains("Microsoft.ManagedIdentity/userAssignedIdentities", StringComparison.Ordinal)
                    ? (string?)r.Template.Parameter("identityName")
                    : null;
                return new RoleAssignment((string)roleDefinition["names"]![0]!, r.Evaluate("scope"), principal, identity);
            });

    /// <summary>The properties of the federated credential of the identity named <paramref name="identityName"/>.</summary>
    private static JsonNode FederatedCredential(ArmTemplate deployment, string identityName) =>
        Assert.Single(
            deployment.AllResources(),
            r => r.Type == FederatedCredentialType && (string?)r.Template.Parameter("identityName") == identityName).Evaluate("properties")!;

    private static void AssertScope(JsonNode? resourceId, string type, params string[] names)
    {
        Assert.NotNull(resourceId);
        Assert.Equal(type, (string?)resourceId["type"]);
        Assert.Equal(names, resourceId["names"]!.AsArray().Select(n => (string?)n));
    }

    /// <param name="RoleId">The role definition's GUID.</param>
    /// <param name="Scope">The resource id the role is assigned at.</param>
    /// <param name="Principal">The principal id expression, unevaluated.</param>
    /// <param name="Identity">The user-assigned identity's name, for an assignment to one.</param>
    private sealed record RoleAssignment(string RoleId, JsonNode? Scope, string Principal, string? Identity);
}
