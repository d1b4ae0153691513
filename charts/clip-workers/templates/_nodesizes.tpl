{{/*
GPU VM sizes the worker's ONNX Runtime CUDA build can run (its kernels are built for compute capability 7.5, 8.x,
9.0 and 12.x, GpuPreflight's table: T4, A10, A100), with what one node offers: vCPUs, memory in GiB, GPUs, and the CPU AKS reserves for the
kubelet (its node-resource-reservations table; a core count between two rows takes the larger row's reservation).
infra/main.bicep allows exactly these sizes for the GPU pool (checked by a test).
*/}}
{{- define "clip-workers.gpuNodeSizes" -}}
Standard_NC4as_T4_v3: {vcpus: 4, memoryGiB: 28, gpus: 1, reservedMilliCpu: 140}
Standard_NC8as_T4_v3: {vcpus: 8, memoryGiB: 56, gpus: 1, reservedMilliCpu: 180}
Standard_NC16as_T4_v3: {vcpus: 16, memoryGiB: 110, gpus: 1, reservedMilliCpu: 260}
Standard_NC64as_T4_v3: {vcpus: 64, memoryGiB: 440, gpus: 4, reservedMilliCpu: 740}
Standard_NC8ads_A10_v4: {vcpus: 8, memoryGiB: 100, gpus: 1, reservedMilliCpu: 180}
Standard_NC16ads_A10_v4: {vcpus: 16, memoryGiB: 200, gpus: 1, reservedMilliCpu: 260}
Standard_NC32ads_A10_v4: {vcpus: 32, memoryGiB: 400, gpus: 2, reservedMilliCpu: 420}
Standard_NC24ads_A100_v4: {vcpus: 24, memoryGiB: 220, gpus: 1, reservedMilliCpu: 420}
Standard_NC48ads_A100_v4: {vcpus: 48, memoryGiB: 440, gpus: 2, reservedMilliCpu: 740}
{{- end }}

{{/* A Kubernetes CPU quantity ("3", "3500m", 0.5) in millicores. */}}
{{- define "clip-workers.millicpu" -}}
{{- $q := toString . -}}
{{- if hasSuffix "m" $q -}}{{ trimSuffix "m" $q | int }}
{{- else -}}{{ mulf (float64 $q) 1000 | int }}
{{- end -}}
{{- end }}

{{/*
Fails unless one worker's CPU and memory requests fit its share of a GPU node: the node's allocatable resources (its
size less AKS's reservations: kubelet CPU by core count; memory min(20 MB per pod + 50 MB, 25 %) plus the 100 Mi
eviction threshold) less the DaemonSets' requests, divided among the node's GPUs, one worker each.
*/}}
{{- define "clip-workers.validateNodeSize" -}}
{{- if and (gt (int .Values.gpu.count) 0) .Values.gpu.vmSize }}
{{- $sizes := include "clip-workers.gpuNodeSizes" . | fromYaml }}
{{- $size := get $sizes .Values.gpu.vmSize }}
{{- if not $size }}
{{- fail (printf "gpu.vmSize %q is not a GPU size the worker's CUDA build is known to run on; use one of %s, or set gpu.vmSize to \"\" to skip this check" .Values.gpu.vmSize (keys $sizes | sortAlpha | join ", ")) }}
{{- end }}
{{- $workers := div (int $size.gpus) (int .Values.gpu.count) | int }}
{{- if lt $workers 1 }}
{{- fail (printf "gpu.count %d is more than the %d GPUs of a %s node" (int .Values.gpu.count) (int $size.gpus) .Values.gpu.vmSize) }}
{{- end }}
{{- $memoryMi := mul (int $size.memoryGiB) 1024 }}
{{- $kubeReservedMi := min (add (mul 20 (int .Values.gpu.maxPodsPerNode)) 50) (div $memoryMi 4) }}
{{- $cpuShare := div (sub (sub (mul (int $size.vcpus) 1000) (int $size.reservedMilliCpu)) (include "clip-workers.millicpu" .Values.gpu.daemonSetRequests.cpu | int)) $workers }}
{{- $memoryShare := div (sub (sub (sub $memoryMi $kubeReservedMi) 100) (include "clip-workers.mebibytes" .Values.gpu.daemonSetRequests.memory | int)) $workers }}
{{- $cpu := include "clip-workers.millicpu" (required "resources.requests.cpu is required: it is checked against the GPU node's size" .Values.resources.requests.cpu) | int }}
{{- $memory := include "clip-workers.mebibytes" (required "resources.requests.memory is required: it is checked against the GPU node's size" .Values.resources.requests.memory) | int }}
{{- if gt $cpu $cpuShare }}
{{- fail (printf "resources.requests.cpu (%dm) does not fit a %s node: %d workers per node, %dm of CPU each after AKS's reservation and the DaemonSets (gpu.daemonSetRequests); the pod would never schedule" $cpu .Values.gpu.vmSize $workers $cpuShare) }}
{{- end }}
{{- if gt $memory $memoryShare }}
{{- fail (printf "resources.requests.memory (%d Mi) does not fit a %s node: %d workers per node, %d Mi each after AKS's reservation and the DaemonSets (gpu.daemonSetRequests); the pod would never schedule" $memory .Values.gpu.vmSize $workers $memoryShare) }}
{{- end }}
{{- end }}
{{- end }}
