// The identity the KEDA operator reads the queue's length with, so it can wake the workers from zero.
// Reading a queue's runtime properties needs Azure Service Bus Data Owner, more than the workers' Data
// Receiver: hence an identity of its own, scoped to the one queue, which the workers never hold.

@description('Name of the user-assigned managed identity.')
param identityName string

@description('Azure region.')
param location string

@description('Name of the Service Bus namespace (in this resource group).')
param serviceBusNamespaceName string

@description('The images queue.')
param queueName string

@description('OIDC issuer URL of the AKS cluster.')
param oidcIssuerUrl string

@description('Kubernetes namespace of the KEDA operator.')
param operatorNamespace string

@description('Kubernetes service account of the KEDA operator.')
param operatorServiceAccountName string

@description('Tags applied to every resource.')
param tags object

// Azure Service Bus Data Owner
var serviceBusDataOwnerRoleId = '090c5cfd-751d-490a-894a-3ce6f1109419'

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

resource operatorServiceAccount 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = {
  parent: identity
  name: 'aks-${operatorNamespace}-${operatorServiceAccountName}'
  properties: {
    issuer: oidcIssuerUrl
    subject: 'system:serviceaccount:${operatorNamespace}:${operatorServiceAccountName}'
    audiences: [
      'api://AzureADTokenExchange'
    ]
  }
}

resource readsQueueLength 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::queue.id, identity.id, serviceBusDataOwnerRoleId)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataOwnerRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'KEDA reads the images queue\'s length to scale the Clip workers.'
  }
}

@description('Client id of the identity: the chart\'s keda.identityId (TriggerAuthentication podIdentity.identityId).')
output clientId string = identity.properties.clientId

@description('Name of the identity.')
output name string = identity.name
