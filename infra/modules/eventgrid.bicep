// An Event Grid system topic on the storage account and a subscription that delivers
// Microsoft.Storage.BlobCreated events for images in one container to the Service Bus queue.
// Delivery uses the topic's system-assigned identity (the namespace has no SAS keys), which gets
// Azure Service Bus Data Sender on the queue only. What it still cannot deliver when the retry policy runs out is
// written, with the same identity, to a dead-letter container (Storage Blob Data Contributor on that container only).

@description('Name of the system topic.')
param systemTopicName string

@description('Region of the storage account (a system topic lives where its source does).')
param location string

@description('Name of the storage account the events come from (in this resource group).')
param storageAccountName string

@description('Container whose uploads are labelled.')
param containerName string

@description('Container (in the same storage account) events are dead-lettered to once the retry policy runs out.')
param deadLetterContainerName string

@description('Name of the Service Bus namespace (in this resource group).')
param serviceBusNamespaceName string

@description('Name of the queue events are delivered to.')
param queueName string

@description('Name of the event subscription.')
param subscriptionName string

@description('Blob name endings that count as images. Event Grid compares them without regard to case.')
@minLength(1)
@maxLength(25)
param imageExtensions array

@description('Schema of the delivered events: EventGridSchema (the worker\'s default) or CloudEventSchemaV1_0 (the worker parses both).')
@allowed([
  'EventGridSchema'
  'CloudEventSchemaV1_0'
])
param eventDeliverySchema string

@description('Minutes Event Grid keeps retrying an undelivered event (at most 1440). The queue\'s duplicate detection window must be at least this long.')
@minValue(1)
@maxValue(1440)
param eventTimeToLiveInMinutes int

@description('Delivery attempts per event (at most 30).')
@minValue(1)
@maxValue(30)
param maxDeliveryAttempts int

@description('Tags applied to every resource.')
param tags object

// Azure Service Bus Data Sender
var serviceBusDataSenderRoleId = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'

// Storage Blob Data Contributor
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storageAccount 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource deadLetterContainer 'containers' existing = {
      name: deadLetterContainerName
    }
  }
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName

  resource queue 'queues' existing = {
    name: queueName
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    source: storageAccount.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

resource topicSendsToQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(namespace::queue.id, systemTopic.id, serviceBusDataSenderRoleId)
  scope: namespace::queue
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', serviceBusDataSenderRoleId)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
    description: 'Event Grid delivers BlobCreated events to the images queue.'
  }
}

resource topicWritesDeadLetters 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storageAccount::blobService::deadLetterContainer.id, systemTopic.id, storageBlobDataContributorRoleId)
  scope: storageAccount::blobService::deadLetterContainer
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: systemTopic.identity.principalId
    principalType: 'ServicePrincipal'
    description: 'Event Grid writes the events it could not deliver to the dead-letter container.'
  }
}

resource blobCreatedToQueue 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: subscriptionName
  // Event Grid checks that its identity may send when the subscription is created.
  dependsOn: [
    topicSendsToQueue
    topicWritesDeadLetters
  ]
  properties: {
    deliveryWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      destination: {
        endpointType: 'ServiceBusQueue'
        properties: {
          resourceId: namespace::queue.id
        }
      }
    }
    eventDeliverySchema: eventDeliverySchema
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${containerName}/blobs/'
      isSubjectCaseSensitive: false
      advancedFilters: [
        {
          operatorType: 'StringEndsWith'
          key: 'subject'
          values: imageExtensions
        }
      ]
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'SystemAssigned'
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: storageAccount.id
          blobContainerName: deadLetterContainerName
        }
      }
    }
    retryPolicy: {
      eventTimeToLiveInMinutes: eventTimeToLiveInMinutes
      maxDeliveryAttempts: maxDeliveryAttempts
    }
  }
}

@description('Name of the system topic.')
output systemTopicName string = systemTopic.name

@description('Principal id of the system topic\'s identity (holds Azure Service Bus Data Sender on the queue).')
output systemTopicPrincipalId string = systemTopic.identity.principalId
