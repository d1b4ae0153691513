// The Service Bus namespace and the queue Event Grid delivers BlobCreated events to.
// Entra ID only (no SAS keys); Standard tier because duplicate detection needs Standard or Premium, and Premium in
// private mode, the only tier with private endpoints.

@description('Name of the Service Bus namespace (6-50 characters, globally unique).')
@minLength(6)
@maxLength(50)
param namespaceName string

@description('Azure region.')
param location string

@description('Name of the queue the worker receives from.')
@minLength(1)
@maxLength(260)
param queueName string

@description('How long a received message stays locked to one worker before it is redelivered (ISO 8601, at most PT5M). The worker renews the lock while it holds a message.')
param lockDuration string

@description('Deliveries of one message before Service Bus moves it to the dead-letter queue.')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int

@description('Duplicate detection window (ISO 8601). Must cover Event Grid\'s retry period, or a redelivered event becomes a second message.')
param duplicateDetectionWindow string

@description('Private mode: Premium (one messaging unit), no public endpoint; only trusted Microsoft services (Event Grid, delivering with its identity) may still reach it from outside the private endpoint.')
param privateNetworking bool

@description('Tags applied to every resource.')
param tags object

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: namespaceName
  location: location
  tags: tags
  sku: privateNetworking
    ? {
        name: 'Premium'
        tier: 'Premium'
        capacity: 1
      }
    : {
        name: 'Standard'
        tier: 'Standard'
      }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
  }
}

// Event Grid's deliveries come from outside the network: the trusted services exception lets them in.
resource networkRules 'Microsoft.ServiceBus/namespaces/networkRuleSets@2024-01-01' = if (privateNetworking) {
  parent: namespace
  name: 'default'
  properties: {
    publicNetworkAccess: 'Disabled'
    defaultAction: 'Deny'
    trustedServiceAccessEnabled: true
    ipRules: []
    virtualNetworkRules: []
  }
}

resource queue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: queueName
  properties: {
    lockDuration: lockDuration
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    requiresSession: false
    enablePartitioning: false
  }
}

@description('Name of the namespace.')
output namespaceName string = namespace.name

// serviceBusEndpoint is https://NAME.servicebus.windows.net:443/; the worker wants the bare host name.
@description('Fully qualified namespace, e.g. NAME.servicebus.windows.net.')
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

@description('Name of the queue.')
output queueName string = queue.name

@description('Resource id of the namespace (the private endpoint\'s target).')
output namespaceId string = namespace.id

@description('Resource id of the queue (the Event Grid subscription\'s endpoint).')
output queueId string = queue.id
