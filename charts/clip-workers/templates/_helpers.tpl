{{/* Chart name, cut to the 63 characters a label value allows. */}}
{{- define "clip-workers.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's resources. */}}
{{- define "clip-workers.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "clip-workers.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "clip-workers.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: clip-workers
{{- end }}

{{/* Selector of the worker pods. */}}
{{- define "clip-workers.workerSelectorLabels" -}}
app.kubernetes.io/name: {{ include "clip-workers.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: worker
{{- end }}

{{- define "clip-workers.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "clip-workers.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The retraining job's own ServiceAccount: its identity, unlike the workers', may write heads. */}}
{{- define "clip-workers.retrainingServiceAccountName" -}}
{{- if .Values.retraining.serviceAccount.create }}
{{- default (printf "%s-retraining" (include "clip-workers.fullname" .)) .Values.retraining.serviceAccount.name }}
{{- else }}
{{- required "retraining.serviceAccount.name is required when retraining.serviceAccount.create is false" .Values.retraining.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the retraining job's pods sign in with workload identity, as its own managed identity. */}}
{{- define "clip-workers.retrainingWorkloadIdentity" -}}
{{- if and .Values.workloadIdentity.enabled .Values.retraining.workloadIdentity.clientId }}true{{ end }}
{{- end }}

{{/*
A workload's ServiceAccount, annotated with the client ID of the managed identity its federated credential belongs to
(none: no workload identity). Each workload runs as its own, so that each identity trusts one workload. Called with
(dict "root" $ "name" <its name> "component" <app.kubernetes.io/component> "clientId" <client ID or ""> "annotations"
<extra annotations>).
*/}}
{{- define "clip-workers.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .name }}
  labels:
    {{- include "clip-workers.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  {{- $annotations := deepCopy (default dict .annotations) }}
  {{- with .clientId }}
  {{- $_ := set $annotations "azure.workload.identity/client-id" . }}
  {{- with $.root.Values.workloadIdentity.tenantId }}
  {{- $_ := set $annotations "azure.workload.identity/tenant-id" . }}
  {{- end }}
  {{- end }}
  {{- with $annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}

{{/*
An image reference: repository@digest when a digest is pinned (the tag is then left out, so what runs is exactly
that build), else repository:tag. Called with (dict "image" <its values> "path" "<its values path>" "tag" <default
tag> "root" $); with requireImageDigests, an image without a digest fails.
*/}}
{{- define "clip-workers.image" -}}
{{- if .image.digest }}
{{- printf "%s@%s" .image.repository .image.digest }}
{{- else if .root.Values.requireImageDigests }}
{{- fail (printf "%s.digest is required while requireImageDigests is true: pin %s by the sha256 digest of the build to run (README, Deploying to Azure, step 2)" .path .image.repository) }}
{{- else }}
{{- printf "%s:%s" .image.repository (required (printf "%s.tag or %s.digest is required" .path .path) (default .tag .image.tag)) }}
{{- end }}
{{- end }}

{{- define "clip-workers.workerImage" -}}
{{- include "clip-workers.image" (dict "image" .Values.image "path" "image" "tag" .Chart.AppVersion "root" .) }}
{{- end }}

{{- define "clip-workers.trainingImage" -}}
{{- include "clip-workers.image" (dict "image" .Values.retraining.image "path" "retraining.image" "tag" .Chart.AppVersion "root" .) }}
{{- end }}

{{/* Seconds as a .NET TimeSpan ("hh:mm:ss"). */}}
{{- define "clip-workers.timespan" -}}
{{- $s := int . }}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) }}
{{- end }}

{{/* A .NET TimeSpan ("[d.]hh:mm:ss[.fffffff]", as the schema allows) in whole seconds, a fraction rounded up. */}}
{{- define "clip-workers.timespanSeconds" -}}
{{- $pattern := "^(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2}):(\\d{2})(?:\\.(\\d{1,7}))?$" }}
{{- $days := regexReplaceAll $pattern . "${1}" | default "0" | atoi }}
{{- $hours := regexReplaceAll $pattern . "${2}" | atoi }}
{{- $minutes := regexReplaceAll $pattern . "${3}" | atoi }}
{{- $seconds := regexReplaceAll $pattern . "${4}" | atoi }}
{{- $fraction := regexReplaceAll $pattern . "${5}" | trimAll "0" }}
{{- add (mul $days 86400) (mul $hours 3600) (mul $minutes 60) $seconds (ternary 1 0 (ne $fraction "")) }}
{{- end }}

{{- define "clip-workers.terminationGracePeriodSeconds" -}}
{{- add (int .Values.pipeline.shutdownGracePeriodSeconds) (int .Values.pipeline.terminationGraceMarginSeconds) }}
{{- end }}

{{/* KEDA wants the namespace's name and, outside the public cloud, its endpoint suffix. */}}
{{- define "clip-workers.serviceBusNamespaceName" -}}
{{- first (splitList "." .Values.serviceBus.fullyQualifiedNamespace) }}
{{- end }}

{{- define "clip-workers.serviceBusEndpointSuffix" -}}
{{- join "." (rest (splitList "." .Values.serviceBus.fullyQualifiedNamespace)) }}
{{- end }}

{{/* The taxonomy file's path, or the shipped taxonomy's name. */}}
{{- define "clip-workers.taxonomySetting" -}}
{{- if or .Values.taxonomy.file .Values.taxonomy.existingConfigMap }}
{{- "/config/taxonomy/taxonomy.json" }}
{{- else }}
{{- required "taxonomy.name is required when neither taxonomy.file nor taxonomy.existingConfigMap is set" .Values.taxonomy.name }}
{{- end }}
{{- end }}

{{- define "clip-workers.taxonomyConfigMapName" -}}
{{- default (printf "%s-taxonomy" (include "clip-workers.fullname" .)) .Values.taxonomy.existingConfigMap }}
{{- end }}

{{/* Clip:Inference:ModelPath for the configured model source. */}}
{{- define "clip-workers.modelPath" -}}
{{- if eq .Values.model.source "image" }}
{{- .Values.model.imagePath }}
{{- else if eq .Values.model.source "pvc" }}
{{- trimSuffix "/" (printf "/models/%s" .Values.model.pvc.path) }}
{{- else }}
{{- printf "/models/%s" (required "model.initContainer.prefix is required when model.source is initContainer" .Values.model.initContainer.prefix | trimAll "/") }}
{{- end }}
{{- end }}

{{/* Checks of values that the schema cannot express; rendered by every workload template. */}}
{{- define "clip-workers.validate" -}}
{{- $_ := required "serviceBus.fullyQualifiedNamespace is required (e.g. clip-prod.servicebus.windows.net)" .Values.serviceBus.fullyQualifiedNamespace }}
{{- $_ := required "serviceBus.queueName is required" .Values.serviceBus.queueName }}
{{- if not .Values.sources.allowedContainers }}
{{- fail "sources.allowedContainers needs at least one https://<account>.blob.core.windows.net/<container> entry" }}
{{- end }}
{{- if eq .Values.database.authentication "entra" }}
{{- if ne .Values.database.provider "postgres" }}
{{- fail "database.authentication entra signs in to Azure Database for PostgreSQL: use provider postgres, or authentication password" }}
{{- end }}
{{- if not .Values.workloadIdentity.enabled }}
{{- fail "database.authentication entra signs in as the workload identity: set workloadIdentity.enabled, or use authentication password with connectionStringSecret" }}
{{- end }}
{{- $_ := required "database.host is required with database.authentication entra (Bicep output postgresHost)" .Values.database.host }}
{{- $_ := required "database.username is required with database.authentication entra: the workers' managed identity's name (Bicep output postgresWorkerRole)" .Values.database.username }}
{{- if .Values.database.connectionStringSecret.name }}
{{- fail "database.connectionStringSecret is for authentication password; with entra there is no password: remove it, or set authentication password" }}
{{- end }}
{{- else }}
{{- $_ := required "database.connectionStringSecret.name is required with database.authentication password: an existing Secret with the database connection string" .Values.database.connectionStringSecret.name }}
{{- end }}
{{- if .Values.retraining.enabled }}
{{- if eq .Values.database.authentication "entra" }}
{{- $_ := required "retraining.database.username is required with database.authentication entra while retraining.enabled: the PostgreSQL role of the retraining job's own managed identity, which may write heads where the workers' role may not (Bicep output postgresRetrainerRole, granted by infra/sql/retrainer-role.sql)" .Values.retraining.database.username }}
{{- end }}
{{- if and .Values.workloadIdentity.enabled (or (eq .Values.database.authentication "entra") (eq .Values.model.source "initContainer")) }}
{{- $_ := required "retraining.workloadIdentity.clientId is required while retraining.enabled with workload identity and database.authentication entra or model.source initContainer: the client ID of the retraining job's own managed identity (Bicep output retrainingIdentityClientId), federated with retraining.serviceAccount.name" .Values.retraining.workloadIdentity.clientId }}
{{- end }}
{{- if eq (include "clip-workers.retrainingServiceAccountName" .) (include "clip-workers.serviceAccountName" .) }}
{{- fail (printf "retraining.serviceAccount.name and serviceAccount.name are both %q: the retraining job runs as a ServiceAccount of its own, the one its identity's federated credential trusts (Bicep output kubernetesRetrainingServiceAccountName)" (include "clip-workers.serviceAccountName" .)) }}
{{- end }}
{{- end }}
{{- if and (eq .Values.inference.precision "auto") .Values.retraining.enabled }}
{{- fail "inference.precision auto resolves per node (fp16 on GPU workers, int8 in the CPU retraining job), so retraining would look for another model id's embeddings: set fp32, int8 or fp16, or retraining.enabled=false" }}
{{- end }}
{{- if .Values.workloadIdentity.enabled }}
{{- $_ := required "workloadIdentity.clientId is required while workloadIdentity.enabled is true" .Values.workloadIdentity.clientId }}
{{- with .Values.workloadIdentity.namespace }}
{{- if ne . $.Release.Namespace }}
{{- fail (printf "the workers' identity trusts service accounts in namespace %q (workloadIdentity.namespace, the Bicep output kubernetesNamespace), not %q: install with -n %s, or deploy infra/main.bicep with kubernetesNamespace=%s" . $.Release.Namespace . $.Release.Namespace) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.taxonomy.file .Values.taxonomy.existingConfigMap }}
{{- fail "set taxonomy.file or taxonomy.existingConfigMap, not both" }}
{{- end }}
{{- if eq .Values.model.source "pvc" }}
{{- $_ := required "model.pvc.claimName is required when model.source is pvc" .Values.model.pvc.claimName }}
{{- end }}
{{- if eq .Values.model.source "initContainer" }}
{{- $_ := required "model.initContainer.storageAccount is required when model.source is initContainer" .Values.model.initContainer.storageAccount }}
{{- $_ := required "model.initContainer.container is required when model.source is initContainer" .Values.model.initContainer.container }}
{{- if not .Values.workloadIdentity.enabled }}
{{- fail "model.source initContainer signs in with workload identity: set workloadIdentity.enabled" }}
{{- end }}
{{- end }}
{{- $limit := include "clip-workers.mebibytes" (required "resources.limits.memory is required: the decode-memory budget is checked against it" .Values.resources.limits.memory) | int }}
{{- if gt (mul (int .Values.inference.decodeMemoryBudgetMi) 2) $limit }}
{{- fail (printf "inference.decodeMemoryBudgetMi (%d) must be at most half of resources.limits.memory (%s = %d Mi): the model, ONNX Runtime and the batches need the rest" (int .Values.inference.decodeMemoryBudgetMi) .Values.resources.limits.memory $limit) }}
{{- end }}
{{- $namespace := include "clip-workers.serviceBusNamespaceName" . }}
{{- if or (hasSuffix "-sb" $namespace) (hasSuffix "-mgmt" $namespace) }}
{{- fail (printf "serviceBus.fullyQualifiedNamespace: %q is not a valid Service Bus namespace name (Azure refuses names ending in -sb or -mgmt)" $namespace) }}
{{- end }}
{{- range .Values.sources.allowedContainers }}
{{- if contains "--" (trimSuffix "/" . | splitList "/" | last) }}
{{- fail (printf "sources.allowedContainers: %q: a container name cannot hold two hyphens in a row" .) }}
{{- end }}
{{- end }}
{{- if gt (int64 .Values.sources.maxBlobBytes) 33554432 }}
{{- fail (printf "sources.maxBlobBytes (%d) is over the worker's Clip:Images:MaxEncodedBytes (33554432, 32 MiB), which would cap it silently" (int64 .Values.sources.maxBlobBytes)) }}
{{- end }}
{{- if gt (int .Values.serviceBus.prefetchCount) (int .Values.pipeline.batchSize) }}
{{- fail (printf "serviceBus.prefetchCount (%d) must be at most pipeline.batchSize (%d): prefetched messages' locks are not renewed, so they must not wait long" (int .Values.serviceBus.prefetchCount) (int .Values.pipeline.batchSize)) }}
{{- end }}
{{- if .Values.keda.enabled }}
{{- $_ := required "keda.identityId is required while keda.enabled is true: the client ID of the identity KEDA reads the queue's length with (Bicep output kedaIdentityClientId: Azure Service Bus Data Owner on the queue, federated with the KEDA operator's service account)" .Values.keda.identityId }}
{{- if gt (int .Values.keda.fallback.replicas) (int .Values.keda.maxReplicas) }}
{{- fail (printf "keda.fallback.replicas (%d) must be at most keda.maxReplicas (%d)" (int .Values.keda.fallback.replicas) (int .Values.keda.maxReplicas)) }}
{{- end }}
{{- if eq (int .Values.keda.minReplicas) 0 }}
{{- if gt (int .Values.keda.activationMessageCount) 0 }}
{{- fail (printf "keda.activationMessageCount (%d) must be 0 while keda.minReplicas is 0: KEDA wakes the workers only when more messages than that wait, so up to %d would wait with no worker until others arrive" (int .Values.keda.activationMessageCount) (int .Values.keda.activationMessageCount)) }}
{{- end }}
{{- $renewal := include "clip-workers.timespanSeconds" .Values.serviceBus.maxLockRenewalDuration | int }}
{{- $least := add $renewal (int .Values.keda.pollingInterval) }}
{{- if lt (int .Values.keda.cooldownPeriod) $least }}
{{- fail (printf "keda.cooldownPeriod (%d) must be at least serviceBus.maxLockRenewalDuration (%d s) plus keda.pollingInterval (%d s), %d, while keda.minReplicas is 0: Service Bus counts only messages ready for delivery, not those a worker holds locked, so a shorter cooldown could scale the workers to zero in the middle of a batch" (int .Values.keda.cooldownPeriod) $renewal (int .Values.keda.pollingInterval) $least) }}
{{- end }}
{{- end }}
{{- end }}
{{- include "clip-workers.validateNodeSize" . }}
{{- if and (eq .Values.database.provider "sqlite") (or .Values.keda.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "database.provider sqlite is for a single replica: use postgres, or set keda.enabled=false and replicaCount=1" }}
{{- end }}
{{- end }}

{{/* A Kubernetes memory quantity (8Gi, 8192Mi, 8G, 8000M, or bytes) in whole mebibytes. */}}
{{- define "clip-workers.mebibytes" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | int64) 1024 }}
{{- else if hasSuffix "Mi" $q -}}{{ trimSuffix "Mi" $q | int64 }}
{{- else if hasSuffix "G" $q -}}{{ div (mul (trimSuffix "G" $q | int64) 1000000000) 1048576 }}
{{- else if hasSuffix "M" $q -}}{{ div (mul (trimSuffix "M" $q | int64) 1000000) 1048576 }}
{{- else if regexMatch "^[0-9]+$" $q -}}{{ div ($q | int64) 1048576 }}
{{- else -}}{{ fail (printf "resources.limits.memory %q: use Gi, Mi, G, M or bytes" $q) }}
{{- end -}}
{{- end }}

{{/*
The database settings every workload signs in with: the provider, the authentication and the connection string, with
entra for the workload's own role. Called with (dict "root" $ "username" <the PostgreSQL role the workload signs in as
with entra>).
*/}}
{{- define "clip-workers.databaseEnv" -}}
{{- $database := .root.Values.database }}
- name: Clip__Database__Provider
  value: {{ $database.provider | quote }}
- name: Clip__Database__Authentication
  value: {{ $database.authentication | quote }}
{{- if eq $database.authentication "entra" }}
{{- /* No password: the pod fetches an Entra ID token for Username as its workload identity. */}}
- name: Clip__Database__ConnectionString
  value: {{ printf "Host=%s;Database=%s;Username=%s;SslMode=%s;Maximum Pool Size=%d" $database.host $database.name .username $database.sslMode (int $database.maxPoolSize) | quote }}
{{- else }}
- name: Clip__Database__ConnectionString
  valueFrom:
    secretKeyRef:
      name: {{ $database.connectionStringSecret.name | quote }}
      key: {{ $database.connectionStringSecret.key | quote }}
{{- end }}
{{- end }}

{{/*
Environment the workers and the retraining job share: the database, the model and the class-matrix cache. Called with
(dict "root" $ "username" <the PostgreSQL role the workload signs in as with entra>).
*/}}
{{- define "clip-workers.commonEnv" -}}
{{ include "clip-workers.databaseEnv" . }}
- name: Clip__Database__MigrateOnStart
  value: {{ include "clip-workers.migrateOnStart" .root | quote }}
- name: Clip__Inference__ModelPath
  value: {{ include "clip-workers.modelPath" .root | quote }}
- name: Clip__ZeroShot__CacheDirectory
  value: {{ printf "%s/class-matrices" (trimSuffix "/" .root.Values.classMatrixCache.mountPath) | quote }}
{{- end }}

{{/* Volumes the workers and the retraining job share: /tmp, the class-matrix cache, the taxonomy and the model. */}}
{{- define "clip-workers.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
- name: class-matrix-cache
  emptyDir:
    sizeLimit: {{ .Values.classMatrixCache.sizeLimit }}
{{- include "clip-workers.taxonomyAndModelVolumes" . }}
{{- end }}

{{/* The taxonomy's ConfigMap and the model's volume, which every workload that loads the model mounts alike. */}}
{{- define "clip-workers.taxonomyAndModelVolumes" -}}
{{- if or .Values.taxonomy.file .Values.taxonomy.existingConfigMap }}
- name: taxonomy
  configMap:
    name: {{ include "clip-workers.taxonomyConfigMapName" . }}
    items:
      - key: {{ ternary "taxonomy.json" .Values.taxonomy.existingConfigMapKey (not .Values.taxonomy.existingConfigMap) }}
        path: taxonomy.json
{{- end }}
{{- if eq .Values.model.source "pvc" }}
- name: model
  persistentVolumeClaim:
    claimName: {{ .Values.model.pvc.claimName }}
    readOnly: true
{{- else if eq .Values.model.source "initContainer" }}
- name: model
  emptyDir:
    sizeLimit: {{ .Values.model.initContainer.sizeLimit }}
{{- end }}
{{- end }}

{{- define "clip-workers.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: class-matrix-cache
  mountPath: {{ .Values.classMatrixCache.mountPath }}
{{- include "clip-workers.taxonomyAndModelVolumeMounts" . }}
{{- end }}

{{- define "clip-workers.taxonomyAndModelVolumeMounts" -}}
{{- if or .Values.taxonomy.file .Values.taxonomy.existingConfigMap }}
- name: taxonomy
  mountPath: /config/taxonomy
  readOnly: true
{{- end }}
{{- if ne .Values.model.source "image" }}
- name: model
  mountPath: /models
  readOnly: true
{{- end }}
{{- end }}

{{/* source initContainer: the Azure CLI signs in with the pod's federated token and downloads the bundle. */}}
{{- define "clip-workers.modelInitContainers" -}}
{{- if eq .Values.model.source "initContainer" }}
{{- $m := .Values.model.initContainer }}
- name: download-model
  image: {{ include "clip-workers.image" (dict "image" $m.image "path" "model.initContainer.image" "tag" "" "root" $) }}
  imagePullPolicy: {{ $m.image.pullPolicy }}
  command: ["/bin/sh", "-ec"]
  args:
    - |
      az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" \
        --federated-token "$(cat "$AZURE_FEDERATED_TOKEN_FILE")" --allow-no-subscriptions --output none
      az storage blob download-batch --auth-mode login --blob-endpoint "https://$MODEL_ACCOUNT.blob.$MODEL_ENDPOINT_SUFFIX" \
        --source "$MODEL_CONTAINER" --pattern "$MODEL_PREFIX/*" --destination /models --overwrite --output none
      test -f "/models/$MODEL_PREFIX/config.json" || { echo "no config.json under $MODEL_CONTAINER/$MODEL_PREFIX" >&2; exit 1; }
  env:
    - name: MODEL_ACCOUNT
      value: {{ $m.storageAccount | quote }}
    - name: MODEL_CONTAINER
      value: {{ $m.container | quote }}
    - name: MODEL_PREFIX
      value: {{ $m.prefix | trimAll "/" | quote }}
    - name: MODEL_ENDPOINT_SUFFIX
      value: {{ $m.blobEndpointSuffix | quote }}
    - name: AZURE_CONFIG_DIR
      value: /tmp/.azure
    - name: PYTHONDONTWRITEBYTECODE
      value: "1"
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  resources:
    {{- toYaml $m.resources | nindent 4 }}
  volumeMounts:
    - name: tmp
      mountPath: /tmp
    - name: model
      mountPath: /models
{{- end }}
{{- end }}

{{/* Checksum of the taxonomy content: a change rolls the pods, since the worker reads it at start. */}}
{{- define "clip-workers.taxonomyChecksum" -}}
{{- printf "%s|%s|%s" .Values.taxonomy.name .Values.taxonomy.file .Values.taxonomy.existingConfigMap | sha256sum }}
{{- end }}

{{/* Clip:Database:MigrateOnStart: as set, else true with password and false with entra (a role without DDL rights). */}}
{{- define "clip-workers.migrateOnStart" -}}
{{- if kindIs "invalid" .Values.database.migrateOnStart -}}
{{ eq .Values.database.authentication "password" }}
{{- else -}}
{{ .Values.database.migrateOnStart }}
{{- end -}}
{{- end }}

{{/* Selector of the review app's pods. */}}
{{- define "clip-workers.reviewSelectorLabels" -}}
app.kubernetes.io/name: {{ include "clip-workers.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: review
{{- end }}

{{/* The review app's own ServiceAccount: its identity reads thumbnails and may write feedback, nothing the workers do. */}}
{{- define "clip-workers.reviewServiceAccountName" -}}
{{- if .Values.review.serviceAccount.create }}
{{- default (printf "%s-review" (include "clip-workers.fullname" .)) .Values.review.serviceAccount.name }}
{{- else }}
{{- required "review.serviceAccount.name is required when review.serviceAccount.create is false" .Values.review.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the review app's pods sign in with workload identity, as its own managed identity. */}}
{{- define "clip-workers.reviewWorkloadIdentity" -}}
{{- if and .Values.workloadIdentity.enabled .Values.review.workloadIdentity.clientId }}true{{ end }}
{{- end }}

{{- define "clip-workers.reviewImage" -}}
{{- include "clip-workers.image" (dict "image" .Values.review.image "path" "review.image" "tag" .Chart.AppVersion "root" .) }}
{{- end }}

{{/* Clip:Review:TrustForwardedHeaders: as set, else true exactly when the chart's Ingress is in front. */}}
{{- define "clip-workers.reviewTrustForwardedHeaders" -}}
{{- if kindIs "invalid" .Values.review.trustForwardedHeaders -}}
{{ .Values.review.ingress.enabled }}
{{- else -}}
{{ .Values.review.trustForwardedHeaders }}
{{- end -}}
{{- end }}

{{/*
Checks of the review app's values. The app binds 0.0.0.0 in its pod, where it refuses to start without Entra ID sign-in:
the chart refuses first, naming what is missing.
*/}}
{{- define "clip-workers.validateReview" -}}
{{- $review := .Values.review }}
{{- $_ := required "review.azureAd.tenantId is required while review.enabled: the review app listens on 0.0.0.0 in its pod and refuses to start there without Microsoft Entra ID sign-in; set the tenant of its app registration (infra/README.md, The review app's sign-in)" $review.azureAd.tenantId }}
{{- $_ := required "review.azureAd.clientId is required while review.enabled: the application (client) ID of the review app's Entra app registration, which people sign in to (not a managed identity's client ID); without it the app refuses to start on 0.0.0.0 (infra/README.md, The review app's sign-in)" $review.azureAd.clientId }}
{{- if has $review.azureAd.clientId (list .Values.workloadIdentity.clientId $review.workloadIdentity.clientId .Values.retraining.workloadIdentity.clientId) }}
{{- fail (printf "review.azureAd.clientId %s is a managed identity's client ID in these values: sign-in needs the review app's app registration (az ad app create, infra/README.md); the pod's own identity goes in review.workloadIdentity.clientId" $review.azureAd.clientId) }}
{{- end }}
{{- if and $review.azureAd.clientSecretSecret.name $review.azureAd.federatedCredential }}
{{- fail "set review.azureAd.clientSecretSecret.name or review.azureAd.federatedCredential, not both: the app registration's client credential is either a secret or the pod's federated token" }}
{{- end }}
{{- if and $review.azureAd.federatedCredential (not .Values.workloadIdentity.enabled) }}
{{- fail "review.azureAd.federatedCredential presents the service account token that workload identity projects into the pod: set workloadIdentity.enabled, or use review.azureAd.clientSecretSecret" }}
{{- end }}
{{- if eq .Values.database.authentication "entra" }}
{{- $_ := required "review.database.username is required with database.authentication entra while review.enabled: the PostgreSQL role of the review app's own managed identity, which may read results and write feedback (Bicep output postgresReviewerRole, granted by infra/sql/reviewer-role.sql)" $review.database.username }}
{{- end }}
{{- if .Values.workloadIdentity.enabled }}
{{- $_ := required "review.workloadIdentity.clientId is required while review.enabled with workload identity: the client ID of the review app's own managed identity (Bicep output reviewIdentityClientId, deployed with deployReview), federated with review.serviceAccount.name; it reads thumbnails from the allowed containers and signs in to PostgreSQL" $review.workloadIdentity.clientId }}
{{- end }}
{{- $account := include "clip-workers.reviewServiceAccountName" . }}
{{- if eq $account (include "clip-workers.serviceAccountName" .) }}
{{- fail (printf "review.serviceAccount.name and serviceAccount.name are both %q: the review app runs as a ServiceAccount of its own, the one its identity's federated credential trusts (Bicep output kubernetesReviewServiceAccountName)" $account) }}
{{- end }}
{{- if and .Values.retraining.enabled (eq $account (include "clip-workers.retrainingServiceAccountName" .)) }}
{{- fail (printf "review.serviceAccount.name and retraining.serviceAccount.name are both %q: the review app runs as a ServiceAccount of its own, the one its identity's federated credential trusts (Bicep output kubernetesReviewServiceAccountName)" $account) }}
{{- end }}
{{- if eq .Values.inference.precision "auto" }}
{{- fail "inference.precision auto resolves per node (fp16 on GPU workers, int8 in the CPU review app), so the review app's search would look for another model id's embeddings: set fp32, int8 or fp16, or review.enabled=false" }}
{{- end }}
{{- if gt (int $review.replicaCount) 1 }}
{{- fail (printf "review.replicaCount (%d) must be 1: each pod keeps its own ASP.NET Core data-protection keys, so a sign-in started on one pod fails on another and a session cookie from one is refused by the next" (int $review.replicaCount)) }}
{{- end }}
{{- if $review.ingress.enabled }}
{{- $_ := required "review.ingress.host is required while review.ingress.enabled: the host name people open, whose https://HOST/signin-oidc is the app registration's redirect URI" $review.ingress.host }}
{{- end }}
{{- end }}
