// Example parameters. Secrets and cluster-specific values come from the environment at deploy time:
//   export CLIP_POSTGRES_ENTRA_ADMIN_ID="$(az ad group show -g clip-db-admins --query id -o tsv)"
//   export CLIP_AKS_OIDC_ISSUER_URL="$(az aks show -n CLUSTER -g GROUP --query oidcIssuerProfile.issuerUrl -o tsv)"
using 'main.bicep'

param namePrefix = 'clip'
param imagesContainerName = 'images'
param queueName = 'images'
param eventDeliverySchema = 'EventGridSchema'

// Microsoft Entra ID only: no password exists. The administrator group runs migrations and creates the workers' and
// the retraining job's roles.
param postgresPasswordAuth = false
param postgresEntraAdminObjectId = readEnvironmentVariable('CLIP_POSTGRES_ENTRA_ADMIN_ID')
param postgresEntraAdminPrincipalName = 'clip-db-admins'
param postgresEntraAdminPrincipalType = 'Group'

// public for trials; production is private (infra/README.md, "Private networking"): the cluster's own VNet and two
// unused prefixes in it, e.g.
//   param networkMode = 'private'
//   param virtualNetworkName = 'aks-vnet'
//   param virtualNetworkResourceGroupName = 'aks-network'
//   param privateEndpointSubnetPrefix = '10.224.16.0/27'
//   param postgresSubnetPrefix = '10.224.16.32/28'
param networkMode = 'public'

param postgresFirewallRules = [
  // { name: 'aks-egress', startIpAddress: '203.0.113.10', endIpAddress: '203.0.113.10' }
]

param aksOidcIssuerUrl = readEnvironmentVariable('CLIP_AKS_OIDC_ISSUER_URL')
param kubernetesNamespace = 'clip'
param kubernetesServiceAccountName = 'clip-workers'
// The retraining job runs as a service account, and an identity, of its own (it writes heads; the workers may not).
param kubernetesRetrainingServiceAccountName = 'clip-workers-retraining'
// The review app (the chart's review.enabled) gets a service account and identity of its own (it writes feedback).
param deployReview = false
param kubernetesReviewServiceAccountName = 'clip-workers-review'

param deployGpuNodePool = false
param aksClusterName = ''
param gpuVmSize = 'Standard_NC4as_T4_v3'
