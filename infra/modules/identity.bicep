// The workers' user-assigned managed identity, what it may do, and how AKS pods sign in as it.
// Least privilege: read blobs in the images and models containers, receive from the images queue;
// nothing at account or namespace scope.

@description('Name of the user-assigned managed identity.')
param identityName string

@description('Azure region.')
param location string

@description('Name of the storage account holding the images container (in this resource group).')
param storageAccountName string

@description('The images container.')
param containerName string

@description('The models container (model bundles the chart\'s init container downloads).')
param modelsContainerName string

@description('Name of the Service Bus namespace (in this resource group).')
param serviceBusNamespaceName string

@description('The images queue.')
param queueName string

@description('OIDC issuer URL of the AKS cluster: az aks show -n CLUSTER -g GROUP --query oidcIssuerProfile.issuerUrl -o tsv')
param oidcIssuerUrl string

@description('Kubernetes namespace the workers run in.')
param kubernetesNamespace string

@description('Kubernetes service account the workers run as.')
param serviceAccountName string

@description('Tags applied to every resource.')
param tags object

// The one service account the identity trusts; the outputs hand its namespace and name to the chart.
var subject = 'system:serviceaccount:${kubernetesNamespace}:${serviceAccountName}'

// Storage Blob Data Reader
var storageBlobDataReaderRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'
// Azure Service Bus Data Receiver
var serviceBusDataReceiverRoleId = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: containerName
    }

    resource modelsContainer 'containers' existing = {
      name: modelsContainerName
    }
  }
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource queue 'queues' existing = {
    name: queueName
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

resource kubernetesServiceAccount 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-${kubernetesNamespace}-${serviceAccountName}'
  properties: {
    issuer: oidcIssuerUrl
    subject: subject
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

resource readsImages 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::blobService::container.id, identity.id, storageBlobDataReaderRoleId)
  scope: storageAccount::blobService::container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Clip workers download uploaded images.'
  }
}

resource readsModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::blobService::modelsContainer.id, identity.id, storageBlobDataReaderRoleId)
  scope: storageAccount::blobService::modelsContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Clip workers download their model bundle at start.'
  }
}

resource receivesEvents 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::queue.id, identity.id, serviceBusDataReceiverRoleId)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataReceiverRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Clip workers receive and settle BlobCreated events.'
  }
}

@description('Client id of the identity: the chart\'s azure.workload.identity/client-id annotation.')
output clientId string = identity.properties.clientId

@description('Object (principal) id of the identity.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name

@description('Resource id of the identity.')
output id string = identity.id

@description('Subject of the federated credential: system:serviceaccount:NAMESPACE:NAME.')
output subject string = subject

@description('Kubernetes namespace of the service account the identity trusts: the namespace to install the chart into.')
output kubernetesNamespace string = kubernetesNamespace

@description('Name of the service account the identity trusts: the chart\'s serviceAccount.name.')
output serviceAccountName string = serviceAccountName
