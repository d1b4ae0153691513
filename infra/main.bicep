// Azure infrastructure for Clip.Workers, deployed to one resource group:
// uploads land in a blob container; Event Grid turns each image upload into a
// Microsoft.Storage.BlobCreated event on a Service Bus queue; workers on AKS receive the events
// as a user-assigned managed identity (workload identity) and write results to PostgreSQL; the retraining CronJob
// signs in as an identity of its own, which may write classifier heads; the optional review app (deployReview) as a
// third, which may read images and write feedback.
// The outputs are what the Helm chart's values need.
targetScope = 'resourceGroup'

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Prefix of resource names: lowercase letters, digits and hyphens (hyphens are dropped from the storage account name).')
@minLength(2)
@maxLength(10)
param namePrefix string = 'clip'

@description('Tags applied to every resource.')
param tags object = {
  application: 'clip-workers'
}

// Network

@description('public: every service has a public endpoint, guarded by Entra ID (and PostgreSQL\'s firewall rules); for trials. private: the production mode; PostgreSQL is injected into a delegated subnet, Storage (blob) and Service Bus get private endpoints, all three disable public network access, and Service Bus is Premium (private endpoints need it).')
@allowed([
  'public'
  'private'
])
param networkMode string = 'public'

@description('Private mode: the existing virtual network the AKS cluster\'s node pool subnet is in (a cluster created with --vnet-subnet-id); two subnets are added to it. Required in private mode.')
param virtualNetworkName string = ''

@description('Private mode: resource group of that virtual network (defaults to this one).')
param virtualNetworkResourceGroupName string = resourceGroup().name

@description('Private mode: name of the subnet the private endpoints of Storage and Service Bus take their addresses from.')
param privateEndpointSubnetName string = 'clip-private-endpoints'

@description('Private mode: its address prefix (CIDR, unused, inside the network\'s address space), e.g. 10.224.16.0/27. The chart\'s networkPolicy.privateEndpointCidrs.')
param privateEndpointSubnetPrefix string = ''

@description('Private mode: name of the subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers.')
param postgresSubnetName string = 'clip-postgres'

@description('Private mode: its address prefix (CIDR, at least /28, unused), e.g. 10.224.16.32/28. The chart\'s networkPolicy.postgresCidrs.')
param postgresSubnetPrefix string = ''

// Storage

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param storageAccountName string = toLower('${replace(namePrefix, '-', '')}${uniqueString(resourceGroup().id)}')

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Blob container images are uploaded to.')
@minLength(3)
@maxLength(63)
param imagesContainerName string = 'images'

@description('Blob container model bundles are uploaded to; the workers may read it.')
@minLength(3)
@maxLength(63)
param modelsContainerName string = 'models'

@description('Blob container Event Grid dead-letters the events it could not deliver in eventTimeToLiveInMinutes to; clip replay-events --from-container reads it.')
@minLength(3)
@maxLength(63)
param deadLetterContainerName string = 'events-deadletter'

@description('Days a deleted blob or container can be restored (soft delete).')
@minValue(1)
@maxValue(365)
param storageSoftDeleteRetentionDays int = 7

@description('Blob name endings that raise an event (Event Grid compares them without regard to case).')
@minLength(1)
@maxLength(25)
param imageExtensions array = [
  '.jpg'
  '.jpeg'
  '.png'
  '.webp'
  '.gif'
  '.bmp'
]

// Service Bus

@description('Service Bus namespace name (6-50 characters, globally unique).')
@minLength(6)
@maxLength(50)
param serviceBusNamespaceName string = '${namePrefix}-${uniqueString(resourceGroup().id)}'

@description('Queue the worker receives BlobCreated events from.')
param queueName string = 'images'

@description('Message lock duration (ISO 8601, at most PT5M). The worker renews the locks of the messages it holds, but not of those prefetched, so the maximum leaves prefetched messages the most time.')
param queueLockDuration string = 'PT5M'

@description('Deliveries of one message before it is dead-lettered.')
@minValue(1)
@maxValue(2000)
param queueMaxDeliveryCount int = 10

// Event Grid

@description('Schema of the events on the queue: EventGridSchema (the worker\'s default) or CloudEventSchemaV1_0.')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string = 'EventGridSchema'

// PostgreSQL

@description('PostgreSQL flexible server name (3-63 lowercase letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(63)
param postgresServerName string = '${namePrefix}-${uniqueString(resourceGroup().id)}'

@description('Results database.')
param postgresDatabaseName string = 'clip'

@description('Also accept password sign-in (the administrator login below). Production: false, Microsoft Entra ID only; true for trials or tools that cannot fetch a token.')
param postgresPasswordAuth bool = false

@description('PostgreSQL password administrator login; used only when postgresPasswordAuth is true.')
param postgresAdministratorLogin string = 'clipadmin'

@description('PostgreSQL password administrator password; required only when postgresPasswordAuth is true. Supply it at deploy time, never in a parameters file.')
@secure()
param postgresAdministratorPassword string = ''

@description('Object id of the Microsoft Entra ID administrator of the PostgreSQL server: the group, user or service principal that runs migrations and creates the workers\' and the retraining job\'s database roles (az ad group show -g NAME --query id -o tsv).')
param postgresEntraAdminObjectId string

@description('Name of that administrator as PostgreSQL sees it: the group\'s display name, the user\'s UPN, or the service principal\'s display name. It is the Username administrators sign in with.')
param postgresEntraAdminPrincipalName string

@description('Kind of that administrator. A group lets several people administer the database without changing the server.')
@allowed([
  'Group'
  'User'
  'ServicePrincipal'
])
param postgresEntraAdminPrincipalType string = 'Group'

@description('PostgreSQL major version.')
@allowed([
  '14'
  '15'
  '16'
  '17'
])
param postgresVersion string = '16'

@description('PostgreSQL compute SKU. General Purpose D2ds_v5 allows 844 user connections; Burstable B1ms only 35, which a few worker replicas (each up to one duplicate check per core, the writer, health checks, head polls) exhaust.')
param postgresSkuName string = 'Standard_D2ds_v5'

@description('Tier of postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'GeneralPurpose'

@description('PostgreSQL high availability: Disabled, SameZone or ZoneRedundant (a hot standby; General Purpose or Memory Optimized only).')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param postgresHighAvailability string = 'Disabled'

@description('PostgreSQL storage in GiB.')
@minValue(32)
param postgresStorageSizeGB int = 32

@description('PostgreSQL firewall rules: objects with name, startIpAddress and endIpAddress (e.g. the AKS outbound IP).')
param postgresFirewallRules array = []

// Identity and AKS

@description('Name of the workers\' user-assigned managed identity.')
param workloadIdentityName string = '${namePrefix}-workers'

@description('OIDC issuer URL of the AKS cluster the workers run on (az aks show --query oidcIssuerProfile.issuerUrl).')
param aksOidcIssuerUrl string

@description('Kubernetes namespace of the workers: the one the chart is installed into (output kubernetesNamespace).')
param kubernetesNamespace string = 'clip'

@description('Kubernetes service account of the workers: the chart\'s serviceAccount.name (output kubernetesServiceAccountName).')
param kubernetesServiceAccountName string = 'clip-workers'

@description('Name of the retraining job\'s user-assigned managed identity, and so of its PostgreSQL role (output postgresRetrainerRole).')
param retrainingIdentityName string = '${namePrefix}-retraining'

@description('Kubernetes service account of the retraining job, in kubernetesNamespace: the chart\'s retraining.serviceAccount.name (output kubernetesRetrainingServiceAccountName). The default is the name the chart gives it in a release called clip-workers.')
param kubernetesRetrainingServiceAccountName string = 'clip-workers-retraining'

@description('Create the review app\'s identity (the chart\'s review.enabled): reads the images and models containers, federated with the review app\'s service account. Its sign-in app registration is created with az ad app create (infra/README.md).')
param deployReview bool = false

@description('Name of the review app\'s user-assigned managed identity, and so of its PostgreSQL role (output postgresReviewerRole).')
param reviewIdentityName string = '${namePrefix}-review'

@description('Kubernetes service account of the review app, in kubernetesNamespace: the chart\'s review.serviceAccount.name (output kubernetesReviewServiceAccountName). The default is the name the chart gives it in a release called clip-workers.')
param kubernetesReviewServiceAccountName string = 'clip-workers-review'

@description('Name of the user-assigned managed identity the KEDA operator reads the queue\'s length with.')
param kedaIdentityName string = '${namePrefix}-keda'

@description('Kubernetes namespace of the KEDA operator (the AKS KEDA add-on and KEDA\'s own chart: kube-system or keda).')
param kedaOperatorNamespace string = 'kube-system'

@description('Kubernetes service account of the KEDA operator.')
param kedaOperatorServiceAccountName string = 'keda-operator'

@description('Add a GPU node pool to an existing AKS cluster.')
param deployGpuNodePool bool = false

@description('Name of the existing AKS cluster (needed when deployGpuNodePool is true).')
param aksClusterName string = ''

@description('Resource group of the AKS cluster (defaults to this one).')
param aksResourceGroupName string = resourceGroup().name

@description('Name of the GPU node pool.')
@minLength(1)
@maxLength(12)
param gpuNodePoolName string = 'clipgpu'

@description('GPU VM size: one whose GPUs the worker\'s ONNX Runtime CUDA build runs on (compute capability 7.5, 8.x, 9.0 or 12.x, the GPUs its kernels are built for; driver R580 or newer for CUDA 13); the chart checks its requests against the same list (charts/clip-workers/templates/_nodesizes.tpl).')
@allowed([
  'Standard_NC4as_T4_v3'
  'Standard_NC8as_T4_v3'
  'Standard_NC16as_T4_v3'
  'Standard_NC64as_T4_v3'
  'Standard_NC8ads_A10_v4'
  'Standard_NC16ads_A10_v4'
  'Standard_NC32ads_A10_v4'
  'Standard_NC24ads_A100_v4'
  'Standard_NC48ads_A100_v4'
])
param gpuVmSize string = 'Standard_NC4as_T4_v3'

@description('Fewest GPU nodes (0: scale to zero when idle).')
@minValue(0)
param gpuNodeMinCount int = 0

@description('Most GPU nodes.')
@minValue(1)
param gpuNodeMaxCount int = 3

@description('Label on GPU nodes; the chart\'s nodeSelector must match.')
param gpuNodeLabels object = {
  workload: 'clip-gpu'
}

@description('Taint on GPU nodes; the chart tolerates key nvidia.com/gpu with effect NoSchedule.')
param gpuNodeTaints array = [
  'nvidia.com/gpu=present:NoSchedule'
]

// GPUs per node of each allowed GPU size: a worker takes one.
var gpusPerNode = {
  Standard_NC4as_T4_v3: 1
  Standard_NC8as_T4_v3: 1
  Standard_NC16as_T4_v3: 1
  Standard_NC64as_T4_v3: 4
  Standard_NC8ads_A10_v4: 1
  Standard_NC16ads_A10_v4: 1
  Standard_NC32ads_A10_v4: 2
  Standard_NC24ads_A100_v4: 1
  Standard_NC48ads_A100_v4: 2
}

// Event Grid's retry policy (its defaults, 30 attempts over 24 hours), pinned so the duplicate detection window
// below provably covers it: a retried delivery keeps its message id and is dropped as a duplicate. An event still
// undelivered after it is dead-lettered to deadLetterContainerName, not dropped.
var eventTimeToLiveInMinutes = 1440
var eventMaxDeliveryAttempts = 30
var duplicateDetectionWindow = 'P1DT1H'

var privateNetworking = networkMode == 'private'

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'clip-network'
  scope: resourceGroup(virtualNetworkResourceGroupName)
  params: {
    virtualNetworkName: privateNetworking && empty(virtualNetworkName)
      ? fail('networkMode private needs virtualNetworkName: the existing VNet the AKS node pool subnet is in (infra/README.md, Private networking).')
      : virtualNetworkName
    privateEndpointSubnetName: privateEndpointSubnetName
    privateEndpointSubnetPrefix: privateNetworking && empty(privateEndpointSubnetPrefix)
      ? fail('networkMode private needs privateEndpointSubnetPrefix: an unused CIDR in that VNet for the private endpoints.')
      : privateEndpointSubnetPrefix
    postgresSubnetName: postgresSubnetName
    postgresSubnetPrefix: privateNetworking && empty(postgresSubnetPrefix)
      ? fail('networkMode private needs postgresSubnetPrefix: an unused CIDR (/28 or larger) in that VNet for PostgreSQL.')
      : postgresSubnetPrefix
  }
}

module storage 'modules/storage.bicep' = {
  name: 'clip-storage'
  params: {
    accountName: storageAccountName
    location: location
    containerName: imagesContainerName
    modelsContainerName: modelsContainerName
    deadLetterContainerName: deadLetterContainerName
    softDeleteRetentionDays: storageSoftDeleteRetentionDays
    skuName: storageSkuName
    privateNetworking: privateNetworking
    tags: tags
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'clip-servicebus'
  params: {
    namespaceName: serviceBusNamespaceName
    location: location
    queueName: queueName
    lockDuration: queueLockDuration
    maxDeliveryCount: queueMaxDeliveryCount
    duplicateDetectionWindow: duplicateDetectionWindow
    privateNetworking: privateNetworking
    tags: tags
  }
}

module blobEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  name: 'clip-blob-endpoint'
  params: {
    name: '${storage.outputs.accountName}-blob'
    location: location
    targetResourceId: storage.outputs.accountId
    groupId: 'blob'
    dnsZoneName: 'privatelink.blob.${environment().suffixes.storage}'
    virtualNetworkId: network!.outputs.virtualNetworkId
    subnetId: network!.outputs.privateEndpointSubnetId
    tags: tags
  }
}

module serviceBusEndpoint 'modules/private-endpoint.bicep' = if (privateNetworking) {
  name: 'clip-servicebus-endpoint'
  params: {
    name: '${serviceBus.outputs.namespaceName}-namespace'
    location: location
    targetResourceId: serviceBus.outputs.namespaceId
    groupId: 'namespace'
    dnsZoneName: 'privatelink.servicebus.windows.net'
    virtualNetworkId: network!.outputs.virtualNetworkId
    subnetId: network!.outputs.privateEndpointSubnetId
    tags: tags
  }
}

module eventGrid 'modules/eventgrid.bicep' = {
  name: 'clip-eventgrid'
  params: {
    systemTopicName: '${storage.outputs.accountName}-events'
    location: location
    storageAccountName: storage.outputs.accountName
    containerName: storage.outputs.containerName
    deadLetterContainerName: storage.outputs.deadLetterContainerName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    subscriptionName: 'blob-created-to-${queueName}'
    imageExtensions: imageExtensions
    eventDeliverySchema: eventDeliverySchema
    eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
    maxDeliveryAttempts: eventMaxDeliveryAttempts
    tags: tags
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'clip-postgres'
  params: {
    serverName: postgresServerName
    location: location
    databaseName: postgresDatabaseName
    passwordAuth: postgresPasswordAuth
    administratorLogin: postgresAdministratorLogin
    administratorPassword: postgresAdministratorPassword
    entraAdminObjectId: postgresEntraAdminObjectId
    entraAdminPrincipalName: postgresEntraAdminPrincipalName
    entraAdminPrincipalType: postgresEntraAdminPrincipalType
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    highAvailability: postgresHighAvailability
    firewallRules: postgresFirewallRules
    delegatedSubnetId: privateNetworking ? network!.outputs.postgresSubnetId : ''
    virtualNetworkId: privateNetworking ? network!.outputs.virtualNetworkId : ''
    tags: tags
  }
}

module identity 'modules/identity.bicep' = {
  name: 'clip-identity'
  params: {
    identityName: workloadIdentityName
    location: location
    storageAccountName: storage.outputs.accountName
    containerName: storage.outputs.containerName
    modelsContainerName: storage.outputs.modelsContainerName
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    oidcIssuerUrl: aksOidcIssuerUrl
    kubernetesNamespace: kubernetesNamespace
    serviceAccountName: kubernetesServiceAccountName
    tags: tags
  }
}

module retrainingIdentity 'modules/retraining-identity.bicep' = {
  name: 'clip-retraining-identity'
  params: {
    identityName: retrainingIdentityName
    location: location
    storageAccountName: storage.outputs.accountName
    modelsContainerName: storage.outputs.modelsContainerName
    oidcIssuerUrl: aksOidcIssuerUrl
    kubernetesNamespace: kubernetesNamespace
    serviceAccountName: kubernetesRetrainingServiceAccountName
    tags: tags
  }
}

module reviewIdentity 'modules/review-identity.bicep' = if (deployReview) {
  name: 'clip-review-identity'
  params: {
    identityName: reviewIdentityName
    location: location
    storageAccountName: storage.outputs.accountName
    containerName: storage.outputs.containerName
    modelsContainerName: storage.outputs.modelsContainerName
    oidcIssuerUrl: aksOidcIssuerUrl
    kubernetesNamespace: kubernetesNamespace
    serviceAccountName: kubernetesReviewServiceAccountName
    tags: tags
  }
}

module kedaIdentity 'modules/keda-identity.bicep' = {
  name: 'clip-keda-identity'
  params: {
    identityName: kedaIdentityName
    location: location
    serviceBusNamespaceName: serviceBus.outputs.namespaceName
    queueName: serviceBus.outputs.queueName
    oidcIssuerUrl: aksOidcIssuerUrl
    operatorNamespace: kedaOperatorNamespace
    operatorServiceAccountName: kedaOperatorServiceAccountName
    tags: tags
  }
}

module gpuNodePool 'modules/gpu-nodepool.bicep' = if (deployGpuNodePool) {
  name: 'clip-gpu-nodepool'
  scope: resourceGroup(aksResourceGroupName)
  params: {
    clusterName: aksClusterName
    nodePoolName: gpuNodePoolName
    vmSize: gpuVmSize
    minCount: gpuNodeMinCount
    maxCount: gpuNodeMaxCount
    nodeLabels: gpuNodeLabels
    nodeTaints: gpuNodeTaints
  }
}

@description('public or private: the chart\'s networkPolicy applies to private mode.')
output networkMode string = networkMode

@description('Private mode: the private endpoint subnet\'s prefix, the chart\'s networkPolicy.privateEndpointCidrs; empty in public mode.')
output privateEndpointSubnetPrefix string = privateNetworking ? privateEndpointSubnetPrefix : ''

@description('Private mode: the PostgreSQL subnet\'s prefix, the chart\'s networkPolicy.postgresCidrs; empty in public mode.')
output postgresSubnetPrefix string = privateNetworking ? postgresSubnetPrefix : ''

@description('Name of the storage account.')
output storageAccountName string = storage.outputs.accountName

@description('Blob endpoint of the storage account (https://ACCOUNT.blob.core.windows.net/).')
output storageBlobEndpoint string = storage.outputs.blobEndpoint

@description('URL of the images container: the worker\'s Clip:Sources:AllowedContainers:0.')
output imagesContainerUrl string = '${storage.outputs.blobEndpoint}${storage.outputs.containerName}'

@description('Name of the models container: the chart\'s model.initContainer.container.')
output modelsContainerName string = storage.outputs.modelsContainerName

@description('Container Event Grid dead-letters undeliverable events to: what clip replay-events --from-container reads.')
output deadLetterContainerName string = storage.outputs.deadLetterContainerName

@description('Fully qualified Service Bus namespace: the worker\'s Clip:ServiceBus:FullyQualifiedNamespace.')
output serviceBusFullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace

@description('Queue name: the worker\'s Clip:ServiceBus:QueueName.')
output serviceBusQueueName string = serviceBus.outputs.queueName

@description('PostgreSQL host name, for Clip:Database:ConnectionString.')
output postgresHost string = postgres.outputs.host

@description('PostgreSQL database name, for Clip:Database:ConnectionString.')
output postgresDatabaseName string = postgres.outputs.databaseName

@description('PostgreSQL password administrator login; empty when password sign-in is disabled (the default).')
output postgresAdministratorLogin string = postgres.outputs.administratorLogin

@description('Microsoft Entra ID administrator of the PostgreSQL server: the Username for clip db migrate and the one-time role setup (infra/README.md).')
output postgresEntraAdminPrincipalName string = postgres.outputs.entraAdminPrincipalName

@description('PostgreSQL role the workers sign in as (Clip:Database:ConnectionString Username): the name of their managed identity, which an Entra administrator creates once with pgaadauth_create_principal (infra/README.md).')
output postgresWorkerRole string = identity.outputs.name

@description('PostgreSQL role the retraining job signs in as: the name of its own managed identity, whose grants (infra/sql/retrainer-role.sql) let it write heads; the chart\'s retraining.database.username.')
output postgresRetrainerRole string = retrainingIdentity.outputs.name

@description('Client id of the workers\' identity: the chart\'s azure.workload.identity/client-id service account annotation.')
output workloadIdentityClientId string = identity.outputs.clientId

@description('Tenant of the workers\' identity (azure.workload.identity/tenant-id, if the chart sets it).')
output workloadIdentityTenantId string = tenant().tenantId

@description('Client id of the KEDA operator\'s identity: the chart\'s keda.identityId.')
output kedaIdentityClientId string = kedaIdentity.outputs.clientId

@description('Name of the workers\' identity.')
output workloadIdentityName string = identity.outputs.name

@description('Resource id of the workers\' identity.')
output workloadIdentityResourceId string = identity.outputs.id

@description('Kubernetes namespace and service account the identity is federated with.')
output kubernetesServiceAccount string = identity.outputs.subject

@description('Namespace of that service account: the chart\'s workloadIdentity.namespace, where it must be installed.')
output kubernetesNamespace string = identity.outputs.kubernetesNamespace

@description('Name of that service account: the chart\'s serviceAccount.name, whatever the release is called.')
output kubernetesServiceAccountName string = identity.outputs.serviceAccountName

@description('Client id of the retraining job\'s identity: the chart\'s retraining.workloadIdentity.clientId.')
output retrainingIdentityClientId string = retrainingIdentity.outputs.clientId

@description('Name of the retraining job\'s identity.')
output retrainingIdentityName string = retrainingIdentity.outputs.name

@description('Kubernetes namespace and service account the retraining job\'s identity is federated with.')
output kubernetesRetrainingServiceAccount string = retrainingIdentity.outputs.subject

@description('Name of that service account: the chart\'s retraining.serviceAccount.name.')
output kubernetesRetrainingServiceAccountName string = retrainingIdentity.outputs.serviceAccountName

@description('Client id of the review app\'s identity: the chart\'s review.workloadIdentity.clientId; empty without deployReview.')
output reviewIdentityClientId string = deployReview ? reviewIdentity!.outputs.clientId : ''

@description('Name of the review app\'s identity; empty without deployReview.')
output reviewIdentityName string = deployReview ? reviewIdentity!.outputs.name : ''

@description('PostgreSQL role the review app signs in as: the name of its own identity, whose grants (infra/sql/reviewer-role.sql) let it read results and write feedback; the chart\'s review.database.username; empty without deployReview.')
output postgresReviewerRole string = deployReview ? reviewIdentity!.outputs.name : ''

@description('Kubernetes namespace and service account the review app\'s identity is federated with; empty without deployReview.')
output kubernetesReviewServiceAccount string = deployReview ? reviewIdentity!.outputs.subject : ''

@description('Name of that service account: the chart\'s review.serviceAccount.name; empty without deployReview.')
output kubernetesReviewServiceAccountName string = deployReview ? reviewIdentity!.outputs.serviceAccountName : ''

@description('Name of the GPU node pool, or empty when none was deployed.')
output gpuNodePoolName string = deployGpuNodePool ? gpuNodePoolName : ''

@description('Labels of the GPU pool\'s nodes, which the chart\'s nodeSelector adds; empty when no pool was deployed.')
output gpuNodeLabels object = deployGpuNodePool ? gpuNodeLabels : {}

@description('VM size of the GPU pool: the chart\'s gpu.vmSize; empty when no pool was deployed.')
output gpuVmSize string = deployGpuNodePool ? gpuVmSize : ''

@description('GPUs in the pool at its largest, and so most workers (one GPU each): the chart\'s keda.maxReplicas; 0 when no pool was deployed.')
output gpuMaxCount int = deployGpuNodePool ? gpuNodeMaxCount * gpusPerNode[gpuVmSize] : 0
