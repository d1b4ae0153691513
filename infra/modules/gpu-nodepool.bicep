// A GPU node pool for the workers on an existing AKS cluster. Its taint keeps other pods off;
// the chart tolerates it (key nvidia.com/gpu, effect NoSchedule) and selects the label.

@description('Name of the existing AKS cluster (in the resource group this module is deployed to).')
param clusterName string

@description('Name of the node pool (1-12 lowercase letters and digits, starting with a letter).')
@minLength(1)
@maxLength(12)
param nodePoolName string

@description('GPU VM size, e.g. Standard_NC4as_T4_v3 (one NVIDIA T4).')
param vmSize string

@description('Fewest nodes the autoscaler keeps (0 lets the pool scale to zero).')
@minValue(0)
param minCount int

@description('Most nodes the autoscaler adds.')
@minValue(1)
param maxCount int

@description('Labels on every node; the chart\'s nodeSelector must match.')
param nodeLabels object

@description('Taints on every node; the chart\'s tolerations must match.')
param nodeTaints array

resource cluster 'Microsoft.ContainerService/managedClusters@2024-09-01' existing = {
  name: clusterName
}

resource gpuPool 'Microsoft.ContainerService/managedClusters/agentPools@2024-09-01' = {
  parent: cluster
  name: nodePoolName
  properties: {
    mode: 'User'
    osType: 'Linux'
    osSKU: 'Ubuntu'
    vmSize: vmSize
    count: minCount
    enableAutoScaling: true
    minCount: minCount
    maxCount: maxCount
    nodeLabels: nodeLabels
    nodeTaints: nodeTaints
  }
}

@description('Name of the node pool.')
output name string = gpuPool.name
