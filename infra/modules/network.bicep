// Private mode: the two subnets this deployment adds to the virtual network the AKS cluster's nodes run in, so that
// pods reach PostgreSQL and the private endpoints without leaving it. Deployed into the network's resource group.

@description('Name of the existing virtual network (the one the AKS node pool subnet is in).')
param virtualNetworkName string

@description('Subnet for the private endpoints of Storage (blob) and Service Bus.')
param privateEndpointSubnetName string

@description('Address prefix of the private endpoint subnet (CIDR, inside the network\'s address space, unused).')
param privateEndpointSubnetPrefix string

@description('Subnet delegated to PostgreSQL flexible server (VNet integration); nothing else may use it.')
param postgresSubnetName string

@description('Address prefix of the PostgreSQL subnet (CIDR, at least /28).')
param postgresSubnetPrefix string

resource virtualNetwork 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: virtualNetworkName
}

resource privateEndpointSubnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: virtualNetwork
  name: privateEndpointSubnetName
  properties: {
    addressPrefix: privateEndpointSubnetPrefix
    privateEndpointNetworkPolicies: 'Disabled'
  }
}

resource postgresSubnet 'Microsoft.Network/virtualNetworks/subnets@2024-05-01' = {
  parent: virtualNetwork
  name: postgresSubnetName
  // Azure updates one subnet of a network at a time.
  dependsOn: [
    privateEndpointSubnet
  ]
  properties: {
    addressPrefix: postgresSubnetPrefix
    delegations: [
      {
        name: 'postgres-flexible-server'
        properties: {
          serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers'
        }
      }
    ]
  }
}

@description('Resource id of the virtual network (the private DNS zones are linked to it).')
output virtualNetworkId string = virtualNetwork.id

@description('Resource id of the private endpoint subnet.')
output privateEndpointSubnetId string = privateEndpointSubnet.id

@description('Resource id of the delegated PostgreSQL subnet.')
output postgresSubnetId string = postgresSubnet.id
