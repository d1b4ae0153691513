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

@description('Firewall rules (name, startIpAddress, endIpAddress), e.g. the AKS cluster\'s outbound IP. Empty: nothing can connect until one is added.')
param firewallRules array

@description('High availability: Disabled, SameZone or ZoneRedundant (a standby server; not on Burstable).')
@allowed([
  'Disabled'
  'SameZone'
  'ZoneRedundant'
])
param highAvailability string

@description('Tags applied to every resource.')
param tags object

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
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
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
  for rule in firewallRules: {
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
