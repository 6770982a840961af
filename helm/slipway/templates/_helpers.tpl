{{- define "slipway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "slipway.fullname" -}}
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

{{- define "slipway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "slipway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "slipway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "slipway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "slipway.serviceAccountName" -}}
{{- default (include "slipway.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "slipway.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* One env entry when the value is set (not nil, not ""). */}}
{{- define "slipway.env" -}}
{{- $v := index . 1 -}}
{{- if and (not (kindIs "invalid" $v)) (ne (toString $v) "") }}
- name: {{ index . 0 }}
  value: {{ toString $v | quote }}
{{- end }}
{{- end }}

{{/* A map of resource amounts as the operator reads them: cpu=1,ephemeral-storage=4Gi,memory=2Gi. */}}
{{- define "slipway.amounts" -}}
{{- $parts := list -}}
{{- range $k, $q := . }}{{ $parts = append $parts (printf "%s=%v" $k $q) }}{{ end -}}
{{- join "," $parts -}}
{{- end }}

{{/*
The namespaced rules the operator needs wherever it watches projects: exactly what the code
uses, nothing else (helm/slipway/README.md names the code path behind each verb; e2e/chart-test.sh
checks every verb listed is allowed, the rest denied, and runs the operator with them).
*/}}
{{- define "slipway.rules" -}}
- apiGroups: [slipway.dev]
  resources: [projects]
  verbs: [get, list, watch]
- apiGroups: [slipway.dev]
  resources: [projects/status]
  verbs: [patch]
- apiGroups: [slipway.dev]
  resources: [environments]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [slipway.dev]
  resources: [environments/status]
  verbs: [patch]
- apiGroups: [slipway.dev]
  resources: [backups]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [slipway.dev]
  resources: [restores]
  verbs: [get, list, watch, patch]
- apiGroups: [slipway.dev]
  resources: [backups/status, restores/status]
  verbs: [patch]
- apiGroups: [slipway.dev]
  resources: [projects/finalizers, environments/finalizers, backups/finalizers, restores/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, delete]
- apiGroups: [batch]
  resources: [cronjobs]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create, patch]
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, watch, create, patch]
- apiGroups: [apps]
  resources: [deployments]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [get, create, patch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [events]
  verbs: [create]
{{- end }}

{{/* Every operator setting that has a value, one env entry each. */}}
{{- define "slipway.settingsEnv" -}}
{{- $v := .Values -}}
{{- include "slipway.env" (list "SLIPWAY_LEASE_NAME" $v.leaderElection.leaseName) }}
{{- include "slipway.env" (list "SLIPWAY_LEASE_DURATION" $v.leaderElection.leaseDuration) }}
{{- include "slipway.env" (list "SLIPWAY_LEASE_RENEW_DEADLINE" $v.leaderElection.renewDeadline) }}
{{- include "slipway.env" (list "SLIPWAY_LEASE_RETRY_PERIOD" $v.leaderElection.retryPeriod) }}
{{- if $v.watchNamespaces }}
- name: SLIPWAY_WATCH_NAMESPACES
  value: {{ join "," $v.watchNamespaces | quote }}
{{- end }}
{{- include "slipway.env" (list "SLIPWAY_HTTP_REQUEST_TIMEOUT" $v.http.requestTimeout) }}
{{- include "slipway.env" (list "SLIPWAY_HTTP_MAX_CONNECTIONS" $v.http.maxConnections) }}
{{- include "slipway.env" (list "SLIPWAY_RECONCILE_THREADS" $v.reconcileThreads) }}
{{- include "slipway.env" (list "SLIPWAY_SHUTDOWN_TIMEOUT" $v.shutdownTimeout) }}
{{- include "slipway.env" (list "SLIPWAY_LOG_LEVEL" $v.logLevel) }}
{{- include "slipway.env" (list "SLIPWAY_ROOT_LOG_LEVEL" $v.rootLogLevel) }}
{{- include "slipway.env" (list "SLIPWAY_POLL_INTERVAL" $v.source.pollInterval) }}
{{- include "slipway.env" (list "SLIPWAY_GIT_TIMEOUT" $v.source.gitTimeout) }}
{{- include "slipway.env" (list "SLIPWAY_GIT_ALLOW_PLAIN_HTTP" $v.source.allowPlainHttp) }}
{{- if $v.source.caConfigMap }}
- name: SLIPWAY_GIT_CA_FILE
  value: /etc/slipway/git-ca/ca.crt
{{- end }}
{{- with $v.webhook.existingSecret }}
- name: SLIPWAY_WEBHOOK_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $v.webhook.key | quote }}
{{- end }}
{{- include "slipway.env" (list "SLIPWAY_REGISTRY" $v.registry.url) }}
{{- include "slipway.env" (list "SLIPWAY_REGISTRY_INSECURE" $v.registry.insecure) }}
{{- include "slipway.env" (list "SLIPWAY_REGISTRY_SECRET" $v.registry.secret) }}
{{- include "slipway.env" (list "SLIPWAY_REGISTRY_LAYOUT" $v.registry.layout) }}
{{- include "slipway.env" (list "SLIPWAY_REGISTRY_CREDENTIALS" $v.registry.credentials) }}
{{- if $v.registry.authSecret }}
- name: SLIPWAY_REGISTRY_AUTH_FILE
  value: /etc/slipway/registry-auth/config.json
{{- end }}
{{- include "slipway.env" (list "SLIPWAY_KANIKO_IMAGE" $v.build.kanikoImage) }}
{{- include "slipway.env" (list "SLIPWAY_GIT_IMAGE" $v.build.gitImage) }}
{{- include "slipway.env" (list "SLIPWAY_RUNTIME_IMAGE" $v.build.runtimeImage) }}
{{- include "slipway.env" (list "SLIPWAY_BUILD_TIMEOUT" $v.build.timeout) }}
{{- include "slipway.env" (list "SLIPWAY_BUILD_TTL" $v.build.ttl) }}
{{- include "slipway.env" (list "SLIPWAY_BUILD_HISTORY" $v.build.history) }}
{{- range $kind, $prefix := dict "build" "BUILD" "web" "WEB" "backup" "BACKUP" "localDatabase" "LOCAL_DATABASE" }}
{{- $sizes := index $v.podResources $kind }}
{{- include "slipway.env" (list (printf "SLIPWAY_%s_REQUESTS" $prefix) (include "slipway.amounts" $sizes.requests)) }}
{{- include "slipway.env" (list (printf "SLIPWAY_%s_LIMITS" $prefix) (include "slipway.amounts" $sizes.limits)) }}
{{- if hasKey $sizes "max" }}
{{- include "slipway.env" (list (printf "SLIPWAY_%s_MAX" $prefix) (include "slipway.amounts" $sizes.max)) }}
{{- end }}
{{- end }}
{{- include "slipway.env" (list "SLIPWAY_PIP_INDEX_URL" (include "slipway.pipIndexUrl" .)) }}
{{- include "slipway.env" (list "SLIPWAY_BASE_DOMAIN" $v.ingress.baseDomain) }}
{{- include "slipway.env" (list "SLIPWAY_INGRESS_CLASS" $v.ingress.className) }}
{{- include "slipway.env" (list "SLIPWAY_TLS_ISSUER" $v.ingress.tls.issuer) }}
{{- include "slipway.env" (list "SLIPWAY_TLS_ISSUER_KIND" $v.ingress.tls.issuerKind) }}
{{- include "slipway.env" (list "SLIPWAY_HEALTH_PATH" $v.healthPath) }}
{{- include "slipway.env" (list "SLIPWAY_LIVENESS_PATH" $v.livenessPath) }}
{{- include "slipway.env" (list "SLIPWAY_ROLLOUT_DEADLINE" $v.rolloutDeadline) }}
{{- include "slipway.env" (list "SLIPWAY_DATABASE_MODE" $v.database.mode) }}
{{- include "slipway.env" (list "SLIPWAY_MIGRATION_TIMEOUT" $v.database.migrationTimeout) }}
{{- include "slipway.env" (list "SLIPWAY_DATABASE_RECHECK" $v.database.recheck) }}
{{- include "slipway.env" (list "SLIPWAY_RELEASE_JOB_TTL" $v.database.releaseJobTtl) }}
{{- include "slipway.env" (list "SLIPWAY_LOCAL_POSTGRES_IMAGE" $v.database.localPostgresImage) }}
{{- include "slipway.env" (list "SLIPWAY_SHARED_DATABASE_SECRET" $v.database.shared.secretName) }}
{{- include "slipway.env" (list "SLIPWAY_AWS_REGION" $v.database.aws.region) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_ENDPOINT" $v.database.aws.rdsEndpoint) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_SUBNET_GROUP" $v.database.aws.subnetGroup) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_SECURITY_GROUPS" (join "," ($v.database.aws.securityGroups | default list))) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_PARAMETER_GROUP" $v.database.aws.parameterGroup) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_KMS_KEY" $v.database.aws.kmsKey) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_INSTANCE_CLASS" $v.database.aws.instanceClass) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_STORAGE_GIB" $v.database.aws.storageGiB) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_ALLOWED_INSTANCE_CLASSES" (join "," ($v.database.aws.allowedInstanceClasses | default list))) }}
{{- include "slipway.env" (list "SLIPWAY_RDS_MAX_STORAGE_GIB" $v.database.aws.maxStorageGiB) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_BUCKET" $v.backup.bucket) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_REGION" $v.backup.region) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_ENDPOINT" $v.backup.endpoint) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_KMS_KEY" $v.backup.kmsKey) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_POSTGRES_IMAGE" $v.backup.postgresImage) }}
{{- include "slipway.env" (list "SLIPWAY_BACKUP_TIMEOUT" $v.backup.timeout) }}
{{- with $v.database.aws.credentials.existingSecret }}
- name: SLIPWAY_AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $v.database.aws.credentials.accessKeyIdKey | quote }}
      optional: true
- name: SLIPWAY_AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . | quote }}
      key: {{ $v.database.aws.credentials.secretAccessKeyKey | quote }}
      optional: true
{{- end }}
{{- end }}

{{/* The package index: its own name label, so no selector of the operator's matches its pods. */}}
{{- define "slipway.packageIndex.fullname" -}}
{{- printf "%s-package-index" (include "slipway.fullname" . | trunc 49 | trimSuffix "-") }}
{{- end }}

{{- define "slipway.packageIndex.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-package-index" (include "slipway.name" . | trunc 49 | trimSuffix "-") }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "slipway.packageIndex.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "slipway.packageIndex.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: package-index
app.kubernetes.io/part-of: {{ include "slipway.name" . }}
{{- end }}

{{- define "slipway.packageIndex.image" -}}
{{ .Values.packageIndex.image.repository }}@{{ .Values.packageIndex.image.digest }}
{{- end }}

{{/* The index's PEP 503 pages as builds reach them in the cluster (plain HTTP). */}}
{{- define "slipway.packageIndex.url" -}}
{{- printf "http://%s.%s.svc.cluster.local:%v/simple/" (include "slipway.packageIndex.fullname" .) .Release.Namespace .Values.packageIndex.service.port }}
{{- end }}

{{/* SLIPWAY_PIP_INDEX_URL: build.pipIndexUrl when set, else the chart's package index when enabled. */}}
{{- define "slipway.pipIndexUrl" -}}
{{- if .Values.build.pipIndexUrl }}
{{- .Values.build.pipIndexUrl }}
{{- else if .Values.packageIndex.enabled }}
{{- include "slipway.packageIndex.url" . }}
{{- end }}
{{- end }}
