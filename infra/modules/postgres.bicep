// Azure Database for PostgreSQL flexible server and the results database.
// Password authentication: the worker connects with an Npgsql connection string
// (Clip:Database:ConnectionString), which has no Entra token provider yet.

@description('Name of the server (3-63 lowercase letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(63)
param serverName string

@description('Azure region.')
param location string

@description('Name of the results database.')
param databaseName string

@description('Administrator login.')
param administratorLogin string

@description('Administrator password, supplied at deploy time. Never stored in a parameters file.')
@secure()
param administratorPassword string

@description('PostgreSQL major version.')
@allowed([
  '14'
  '15'
  '16'
  '17'
])
param version string

@description('Compute SKU name, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param skuName string

@description('Tier of skuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string

@description('Storage size in GiB.')
@minValue(32)
param storageSizeGB int

@description('Firewall rules (name, startIpAddress, endIpAddress), e.g. the AKS cluster\'s outbound IP. Empty: nothing can connect until one is added. Public mode only.')
param firewallRules array

@description('High availability: Disabled, SameZone or ZoneRedundant (a standby server; not on Burstable).')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param highAvailability string

@description('Private mode: resource id of the subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers the server is injected into (no public endpoint, no firewall rules); empty: public mode.')
param delegatedSubnetId string

@description('Private mode: resource id of the virtual network the server\'s private DNS zone is linked to.')
param virtualNetworkId string

@description('Tags applied to every resource.')
param tags object

var privateNetworking = !empty(delegatedSubnetId)

// VNet integration needs a zone ending in postgres.database.azure.com; the server's public name resolves to it.
resource privateDnsZone 'Microsoft.Network/privateDnsZones@2024-06-01' = if (privateNetworking) {
  name: '${serverName}.private.postgres.database.azure.com'
  location: 'global'
  tags: tags
}

resource privateDnsZoneLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = if (privateNetworking) {
  parent: privateDnsZone
  name: '${serverName}-link'
  location: 'global'
  tags: tags
  properties: {
    registrationEnabled: false
    virtualNetwork: {
      id: virtualNetworkId
    }
  }
}

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: serverName
  location: location
  tags: tags
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    administratorLogin: administratorLogin
    administratorLoginPassword: administratorPassword
    authConfig: {
      passwordAuth: 'Enabled'
      activeDirectoryAuth: 'Disabled'
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 7
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: highAvailability
    }
    network: privateNetworking
      ? {
          publicNetworkAccess: 'Disabled'
          delegatedSubnetResourceId: delegatedSubnetId
          privateDnsZoneArmResourceId: privateDnsZone.id
        }
      : {
          publicNetworkAccess: 'Enabled'
        }
  }
  // The server resolves its own name through the zone from the start.
  dependsOn: [
    privateDnsZoneLink
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

@batchSize(1)
resource firewall 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = [
  for rule in firewallRules: if (!privateNetworking) {
    parent: server
    name: rule.name
    properties: {
      startIpAddress: rule.startIpAddress
      endIpAddress: rule.endIpAddress
    }
  }
]

@description('Host name of the server.')
output host string = server.properties.fullyQualifiedDomainName

@description('Name of the results database.')
output databaseName string = database.name

@description('Administrator login.')
output administratorLogin string = administratorLogin
