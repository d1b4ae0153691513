// Azure Database for PostgreSQL flexible server and the results database.
// Microsoft Entra ID authentication: the workers sign in as their managed identity with a token
// (Clip:Database:Authentication=entra). Password sign-in is off unless passwordAuth is set.
// The workers' database role cannot be made here: PostgreSQL roles for Entra principals are created
// by SQL (pgaadauth_create_principal) that an Entra administrator runs once; see infra/README.md.

@description('Name of the server (3-63 lowercase letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(63)
param serverName string

@description('Azure region.')
param location string

@description('Name of the results database.')
param databaseName string

@description('Also accept password sign-in with administratorLogin; false: Microsoft Entra ID only.')
param passwordAuth bool

@description('Password administrator login; used only when passwordAuth is true.')
param administratorLogin string

@description('Password administrator password, supplied at deploy time; used only when passwordAuth is true. Never stored in a parameters file.')
@secure()
param administratorPassword string

@description('Object id of the Microsoft Entra ID administrator (group, user or service principal).')
param entraAdminObjectId string

@description('Name of the Microsoft Entra ID administrator as PostgreSQL sees it (display name or UPN).')
param entraAdminPrincipalName string

@description('Kind of the Microsoft Entra ID administrator.')
@allowed([
  'Group'
  'User'
  'ServicePrincipal'
])
param entraAdminPrincipalType string

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
    administratorLogin: passwordAuth ? administratorLogin : null
    administratorLoginPassword: passwordAuth ? administratorPassword : null
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: passwordAuth ? 'Enabled' : 'Disabled'
      tenantId: tenant().tenantId
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

// The server's Entra administrator: may create roles for Entra principals (pgaadauth_create_principal) and migrate.
// After the firewall rules: the server accepts one change at a time.
resource entraAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2024-08-01' = {
  parent: server
  name: entraAdminObjectId
  properties: {
    principalName: entraAdminPrincipalName
    principalType: entraAdminPrincipalType
    tenantId: tenant().tenantId
  }
  dependsOn: [
    database
    firewall
  ]
}

@description('Host name of the server.')
output host string = server.properties.fullyQualifiedDomainName

@description('Name of the results database.')
output databaseName string = database.name

@description('Password administrator login; empty when password sign-in is disabled.')
output administratorLogin string = passwordAuth ? administratorLogin : ''

@description('Microsoft Entra ID administrator\'s name.')
output entraAdminPrincipalName string = entraAdminPrincipalName
