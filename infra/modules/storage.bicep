// The storage account users upload images to, the container the worker reads, and the container model bundles
// are downloaded from. Identity only: no shared keys, no anonymous access.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param accountName string

@description('Azure region.')
param location string

@description('Blob container images are uploaded to.')
@minLength(3)
@maxLength(63)
param containerName string

@description('Blob container holding model bundles (the chart\'s init container downloads from it).')
@minLength(3)
@maxLength(63)
param modelsContainerName string

@description('Blob container Event Grid writes events it could not deliver to (dead-letter); clip replay-events reads it.')
@minLength(3)
@maxLength(63)
param deadLetterContainerName string

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param skuName string

@description('Days a deleted blob or container can be restored (soft delete).')
@minValue(1)
@maxValue(365)
param softDeleteRetentionDays int

@description('Private mode: no public endpoint; clients reach the blob service through a private endpoint, and Event Grid (a trusted service) writes dead letters with its identity.')
param privateNetworking bool

@description('Tags applied to every resource.')
param tags object

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: accountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    // An upload deleted or overwritten by mistake, or a whole container, can be restored for this long.
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteRetentionDays
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource modelsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: modelsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource deadLetterContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainerName
  properties: {
    publicAccess: 'None'
  }
}

@description('Resource id of the storage account (the Event Grid system topic\'s source).')
output accountId string = account.id

@description('Name of the storage account.')
output accountName string = account.name

@description('Primary blob endpoint, with a trailing slash: https://ACCOUNT.blob.core.windows.net/')
output blobEndpoint string = account.properties.primaryEndpoints.blob

@description('Name of the images container.')
output containerName string = container.name

@description('Name of the models container.')
output modelsContainerName string = modelsContainer.name

@description('Name of the dead-letter container.')
output deadLetterContainerName string = deadLetterContainer.name
