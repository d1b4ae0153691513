// Private mode: one private endpoint, the privatelink DNS zone that makes the target's public name resolve to the
// endpoint's address inside the virtual network, the zone's link to that network, and the endpoint's zone group
// (which keeps the zone's A record in step with the endpoint).

@description('Name of the private endpoint.')
param name string

@description('Azure region of the endpoint (the virtual network\'s).')
param location string

@description('Resource id of the resource the endpoint connects to.')
param targetResourceId string

@description('Private link sub-resource: blob for a storage account, namespace for Service Bus.')
@allowed([
  'blob'
  'namespace'
])
param groupId string

@description('Private DNS zone of that sub-resource, e.g. privatelink.blob.core.windows.net.')
param dnsZoneName string

@description('Resource id of the virtual network the zone is linked to.')
param virtualNetworkId string

@description('Resource id of the subnet the endpoint takes its address from.')
param subnetId string

@description('Tags applied to every resource.')
param tags object

resource zone 'Microsoft.Network/privateDnsZones@2024-06-01' = {
  name: dnsZoneName
  location: 'global'
  tags: tags
}

resource zoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = {
  parent: zone
  name: '${name}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource endpoint 'Microsoft.Network/privateEndpoints@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    subnet: {
      id: subnetId
    }
    privateLinkServiceConnections: [
      {
        name: name
        properties: {
          privateLinkServiceId: targetResourceId
          groupIds: [
            groupId
          ]
        }
      }
    ]
  }
}

resource zoneGroup 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = {
  parent: endpoint
  name: 'default'
  properties: {
    privateDnsZoneConfigs: [
      {
        name: groupId
        properties: {
          privateDnsZoneId: zone.id
        }
      }
    ]
  }
}

@description('Name of the private DNS zone.')
output dnsZoneName string = zone.name

@description('Name of the zone\'s link to the virtual network.')
output zoneLinkName string = zoneLink.name
