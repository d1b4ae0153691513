// The review app's user-assigned managed identity, what it may do in Azure, and how its pod signs in as it.
// An identity of its own because the app writes reviewers' verdicts as feedback rows, which neither the workers' nor the
// retraining job's database role may: it signs in to PostgreSQL as the role infra/sql/reviewer-role.sql grants. In
// Azure it may only read blobs: the images container (thumbnails, by image id, from the allowed containers) and the
// models container (the chart's model init container downloads the bundle its text search embeds with). It never
// touches the queue. People sign in to the app through an Entra app registration, which Bicep does not create here
// (infra/README.md, The review app's sign-in).

@description('Name of the user-assigned managed identity.')
param identityName string

@description('Azure region.')
param location string

@description('Name of the storage account holding the images and models containers (in this resource group).')
param storageAccountName string

@description('The images container: the blobs the app renders thumbnails of.')
param containerName string

@description('The models container (model bundles the chart\'s init container downloads).')
param modelsContainerName string

@description('OIDC issuer URL of the AKS cluster: the same issuer the workers\' identity trusts.')
param oidcIssuerUrl string

@description('Kubernetes namespace the review app runs in.')
param kubernetesNamespace string

@description('Kubernetes service account the review app runs as.')
param serviceAccountName string

@description('Tags applied to every resource.')
param tags object

var subject = 'system:serviceaccount:${kubernetesNamespace}:${serviceAccountName}'

// Storage Blob Data Reader
var storageBlobDataReaderRoleId = '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource imagesContainer 'containers' existing = {
      name: containerName
    }

    resource modelsContainer 'containers' existing = {
      name: modelsContainerName
    }
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
  name: guid(storageAccount::blobService::imagesContainer.id, identity.id, storageBlobDataReaderRoleId)
  scope: storageAccount::blobService::imagesContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'The Clip review app renders thumbnails of the labelled images.'
  }
}

resource readsModels 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::blobService::modelsContainer.id, identity.id, storageBlobDataReaderRoleId)
  scope: storageAccount::blobService::modelsContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataReaderRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'The Clip review app downloads the model bundle its search embeds text with.'
  }
}

@description('Client id of the identity: the chart\'s review.workloadIdentity.clientId.')
output clientId string = identity.properties.clientId

@description('Name of the identity, which is also its PostgreSQL role.')
output name string = identity.name

@description('Subject of the federated credential: system:serviceaccount:NAMESPACE:NAME.')
output subject string = subject

@description('Name of the service account the identity trusts: the chart\'s review.serviceAccount.name.')
output serviceAccountName string = serviceAccountName
