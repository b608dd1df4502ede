/*
 * pkg/sim: the shapes of the built-in kinds, as Kubernetes 1.32's Go types
 * declare them, in a compact notation that schema.c reads:
 *
 *   "DEF field:TYPE field:TYPE ..."
 *
 * TYPE is s (string), i32, i64, b (boolean), n (number), by (base64
 * bytes), q (Quantity), ios (IntOrString), t (Time), mt (MicroTime), o (any
 * object, kept as it is), [T] (list of T), {T} (map of T), or another
 * DEF. A "!" after a field marks it required in the published OpenAPI.
 * DEF prefixes: core. apps. batch. rbac. storage. policy. net. as.
 * sched. coord. ext. reg. meta. (see schema.c). Fields are in the Go
 * types' order, which is the order the server writes them in.
 */
#include <stddef.h>

#include "pkg/sim/schema_defs.h"

#define OM "apiVersion:s kind:s metadata:meta.ObjectMeta "

const char *const schema_defs[] = {
	/* meta */
	"meta.ObjectMeta name:s generateName:s namespace:s selfLink:s uid:s "
	"resourceVersion:s generation:i64 creationTimestamp:t "
	"deletionTimestamp:t deletionGracePeriodSeconds:i64 labels:{s} "
	"annotations:{s} ownerReferences:[meta.OwnerReference] "
	"finalizers:[s] managedFields:[meta.ManagedFieldsEntry]",
	"meta.OwnerReference apiVersion:s! kind:s! name:s! uid:s! "
	"controller:b blockOwnerDeletion:b",
	"meta.ManagedFieldsEntry manager:s operation:s apiVersion:s time:t "
	"fieldsType:s fieldsV1:o subresource:s",
	"meta.LabelSelector matchLabels:{s} "
	"matchExpressions:[meta.LabelSelectorRequirement]",
	"meta.LabelSelectorRequirement key:s! operator:s! values:[s]",
	"meta.Condition type:s! status:s! observedGeneration:i64 "
	"lastTransitionTime:t! reason:s! message:s!",

	/* core/v1 */
	"core.ConfigMap " OM "immutable:b data:{s} binaryData:{by}",
	"core.Secret " OM "immutable:b data:{by} stringData:{s} type:s",
	"core.ServiceAccount " OM "secrets:[core.ObjectReference] "
	"imagePullSecrets:[core.LocalObjectReference] "
	"automountServiceAccountToken:b",
	"core.ObjectReference kind:s namespace:s name:s uid:s apiVersion:s "
	"resourceVersion:s fieldPath:s",
	"core.LocalObjectReference name:s",
	"core.Namespace " OM "spec:core.NamespaceSpec "
	"status:core.NamespaceStatus",
	"core.NamespaceSpec finalizers:[s]",
	"core.NamespaceStatus phase:s conditions:[core.NamespaceCondition]",
	"core.NamespaceCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",
	"core.Service " OM "spec:core.ServiceSpec status:core.ServiceStatus",
	"core.ServiceSpec ports:[core.ServicePort] selector:{s} clusterIP:s "
	"clusterIPs:[s] type:s externalIPs:[s] sessionAffinity:s "
	"loadBalancerIP:s loadBalancerSourceRanges:[s] externalName:s "
	"externalTrafficPolicy:s healthCheckNodePort:i32 "
	"publishNotReadyAddresses:b "
	"sessionAffinityConfig:core.SessionAffinityConfig ipFamilies:[s] "
	"ipFamilyPolicy:s allocateLoadBalancerNodePorts:b "
	"loadBalancerClass:s internalTrafficPolicy:s trafficDistribution:s",
	"core.ServicePort name:s protocol:s appProtocol:s port:i32! "
	"targetPort:ios nodePort:i32",
	"core.SessionAffinityConfig clientIP:core.ClientIPConfig",
	"core.ClientIPConfig timeoutSeconds:i32",
	"core.ServiceStatus loadBalancer:core.LoadBalancerStatus "
	"conditions:[meta.Condition]",
	"core.LoadBalancerStatus ingress:[core.LoadBalancerIngress]",
	"core.LoadBalancerIngress ip:s hostname:s ipMode:s "
	"ports:[core.PortStatus]",
	"core.PortStatus port:i32! protocol:s! error:s",
	"core.Endpoints " OM "subsets:[core.EndpointSubset]",
	"core.EndpointSubset addresses:[core.EndpointAddress] "
	"notReadyAddresses:[core.EndpointAddress] ports:[core.EndpointPort]",
	"core.EndpointAddress ip:s! hostname:s nodeName:s "
	"targetRef:core.ObjectReference",
	"core.EndpointPort name:s port:i32! protocol:s appProtocol:s",
	"core.Event " OM "involvedObject:core.ObjectReference! reason:s "
	"message:s source:core.EventSource firstTimestamp:t lastTimestamp:t "
	"count:i32 type:s eventTime:mt series:core.EventSeries action:s "
	"related:core.ObjectReference reportingComponent:s "
	"reportingInstance:s",
	"core.EventSource component:s host:s",
	"core.EventSeries count:i32 lastObservedTime:mt",
	"core.LimitRange " OM "spec:core.LimitRangeSpec",
	"core.LimitRangeSpec limits:[core.LimitRangeItem]!",
	"core.LimitRangeItem type:s! max:{q} min:{q} default:{q} "
	"defaultRequest:{q} maxLimitRequestRatio:{q}",
	"core.ResourceQuota " OM "spec:core.ResourceQuotaSpec "
	"status:core.ResourceQuotaStatus",
	"core.ResourceQuotaSpec hard:{q} scopes:[s] "
	"scopeSelector:core.ScopeSelector",
	"core.ScopeSelector "
	"matchExpressions:[core.ScopedResourceSelectorRequirement]",
	"core.ScopedResourceSelectorRequirement scopeName:s! operator:s! "
	"values:[s]",
	"core.ResourceQuotaStatus hard:{q} used:{q}",
	"core.PersistentVolumeClaim " OM
	"spec:core.PersistentVolumeClaimSpec "
	"status:core.PersistentVolumeClaimStatus",
	"core.PersistentVolumeClaimSpec accessModes:[s] "
	"selector:meta.LabelSelector "
	"resources:core.VolumeResourceRequirements volumeName:s "
	"storageClassName:s volumeMode:s "
	"dataSource:core.TypedLocalObjectReference "
	"dataSourceRef:core.TypedObjectReference "
	"volumeAttributesClassName:s",
	"core.VolumeResourceRequirements limits:{q} requests:{q}",
	"core.TypedLocalObjectReference apiGroup:s kind:s! name:s!",
	"core.TypedObjectReference apiGroup:s kind:s! name:s! namespace:s",
	"core.PersistentVolumeClaimStatus phase:s accessModes:[s] "
	"capacity:{q} conditions:[core.PersistentVolumeClaimCondition] "
	"allocatedResources:{q} allocatedResourceStatuses:{s} "
	"currentVolumeAttributesClassName:s modifyVolumeStatus:o",
	"core.PersistentVolumeClaimCondition type:s! status:s! "
	"lastProbeTime:t lastTransitionTime:t reason:s message:s",
	"core.PersistentVolume " OM "spec:core.PersistentVolumeSpec "
	"status:core.PersistentVolumeStatus",
	"core.PersistentVolumeSpec capacity:{q} "
	"gcePersistentDisk:o awsElasticBlockStore:o "
	"hostPath:core.HostPathVolumeSource glusterfs:o nfs:o rbd:o iscsi:o "
	"cinder:o cephfs:o fc:o flocker:o flexVolume:o azureFile:o "
	"vsphereVolume:o quobyte:o azureDisk:o photonPersistentDisk:o "
	"portworxVolume:o scaleIO:o local:o storageos:o csi:o "
	"accessModes:[s] claimRef:core.ObjectReference "
	"persistentVolumeReclaimPolicy:s storageClassName:s "
	"mountOptions:[s] volumeMode:s nodeAffinity:core.VolumeNodeAffinity "
	"volumeAttributesClassName:s",
	"core.VolumeNodeAffinity required:core.NodeSelector",
	"core.PersistentVolumeStatus phase:s message:s reason:s "
	"lastPhaseTransitionTime:t",
	"core.Pod " OM "spec:core.PodSpec status:o",
	"core.PodTemplateSpec metadata:meta.ObjectMeta spec:core.PodSpec",
	"core.PodSpec volumes:[core.Volume] initContainers:[core.Container] "
	"containers:[core.Container]! ephemeralContainers:[o] "
	"restartPolicy:s terminationGracePeriodSeconds:i64 "
	"activeDeadlineSeconds:i64 dnsPolicy:s nodeSelector:{s} "
	"serviceAccountName:s serviceAccount:s "
	"automountServiceAccountToken:b nodeName:s hostNetwork:b hostPID:b "
	"hostIPC:b shareProcessNamespace:b "
	"securityContext:core.PodSecurityContext "
	"imagePullSecrets:[core.LocalObjectReference] hostname:s "
	"subdomain:s affinity:core.Affinity schedulerName:s "
	"tolerations:[core.Toleration] hostAliases:[core.HostAlias] "
	"priorityClassName:s priority:i32 dnsConfig:core.PodDNSConfig "
	"readinessGates:[core.PodReadinessGate] runtimeClassName:s "
	"enableServiceLinks:b preemptionPolicy:s overhead:{q} "
	"topologySpreadConstraints:[core.TopologySpreadConstraint] "
	"setHostnameAsFQDN:b os:core.PodOS hostUsers:b "
	"schedulingGates:[core.PodSchedulingGate] "
	"resourceClaims:[core.PodResourceClaim] "
	"resources:core.ResourceRequirements",
	"core.Container name:s! image:s command:[s] args:[s] workingDir:s "
	"ports:[core.ContainerPort] envFrom:[core.EnvFromSource] "
	"env:[core.EnvVar] resources:core.ResourceRequirements "
	"resizePolicy:[core.ContainerResizePolicy] restartPolicy:s "
	"volumeMounts:[core.VolumeMount] volumeDevices:[core.VolumeDevice] "
	"livenessProbe:core.Probe readinessProbe:core.Probe "
	"startupProbe:core.Probe lifecycle:core.Lifecycle "
	"terminationMessagePath:s terminationMessagePolicy:s "
	"imagePullPolicy:s securityContext:core.SecurityContext stdin:b "
	"stdinOnce:b tty:b",
	"core.ContainerPort name:s hostPort:i32 containerPort:i32! "
	"protocol:s hostIP:s",
	"core.EnvFromSource prefix:s configMapRef:core.ConfigMapEnvSource "
	"secretRef:core.SecretEnvSource",
	"core.ConfigMapEnvSource name:s optional:b",
	"core.SecretEnvSource name:s optional:b",
	"core.EnvVar name:s! value:s valueFrom:core.EnvVarSource",
	"core.EnvVarSource fieldRef:core.ObjectFieldSelector "
	"resourceFieldRef:core.ResourceFieldSelector "
	"configMapKeyRef:core.ConfigMapKeySelector "
	"secretKeyRef:core.SecretKeySelector",
	"core.ObjectFieldSelector apiVersion:s fieldPath:s!",
	"core.ResourceFieldSelector containerName:s resource:s! divisor:q",
	"core.ConfigMapKeySelector name:s key:s! optional:b",
	"core.SecretKeySelector name:s key:s! optional:b",
	"core.ResourceRequirements limits:{q} requests:{q} "
	"claims:[core.ResourceClaim]",
	"core.ResourceClaim name:s! request:s",
	"core.ContainerResizePolicy resourceName:s! restartPolicy:s!",
	"core.VolumeMount name:s! readOnly:b recursiveReadOnly:s "
	"mountPath:s! subPath:s mountPropagation:s subPathExpr:s",
	"core.VolumeDevice name:s! devicePath:s!",
	"core.Probe exec:core.ExecAction httpGet:core.HTTPGetAction "
	"tcpSocket:core.TCPSocketAction grpc:core.GRPCAction "
	"initialDelaySeconds:i32 timeoutSeconds:i32 periodSeconds:i32 "
	"successThreshold:i32 failureThreshold:i32 "
	"terminationGracePeriodSeconds:i64",
	"core.ExecAction command:[s]",
	"core.HTTPGetAction path:s port:ios! host:s scheme:s "
	"httpHeaders:[core.HTTPHeader]",
	"core.HTTPHeader name:s! value:s!",
	"core.TCPSocketAction port:ios! host:s",
	"core.GRPCAction port:i32! service:s",
	"core.Lifecycle postStart:core.LifecycleHandler "
	"preStop:core.LifecycleHandler stopSignal:s",
	"core.LifecycleHandler exec:core.ExecAction "
	"httpGet:core.HTTPGetAction tcpSocket:core.TCPSocketAction "
	"sleep:core.SleepAction",
	"core.SleepAction seconds:i64!",
	"core.SecurityContext capabilities:core.Capabilities privileged:b "
	"seLinuxOptions:core.SELinuxOptions "
	"windowsOptions:core.WindowsSecurityContextOptions runAsUser:i64 "
	"runAsGroup:i64 runAsNonRoot:b readOnlyRootFilesystem:b "
	"allowPrivilegeEscalation:b procMount:s "
	"seccompProfile:core.SeccompProfile "
	"appArmorProfile:core.AppArmorProfile",
	"core.Capabilities add:[s] drop:[s]",
	"core.SELinuxOptions user:s role:s type:s level:s",
	"core.WindowsSecurityContextOptions gmsaCredentialSpecName:s "
	"gmsaCredentialSpec:s runAsUserName:s hostProcess:b",
	"core.SeccompProfile type:s! localhostProfile:s",
	"core.AppArmorProfile type:s! localhostProfile:s",
	"core.PodSecurityContext seLinuxOptions:core.SELinuxOptions "
	"windowsOptions:core.WindowsSecurityContextOptions runAsUser:i64 "
	"runAsGroup:i64 runAsNonRoot:b supplementalGroups:[i64] "
	"supplementalGroupsPolicy:s fsGroup:i64 sysctls:[core.Sysctl] "
	"fsGroupChangePolicy:s seccompProfile:core.SeccompProfile "
	"appArmorProfile:core.AppArmorProfile seLinuxChangePolicy:s",
	"core.Sysctl name:s! value:s!",
	"core.Affinity nodeAffinity:core.NodeAffinity "
	"podAffinity:core.PodAffinity podAntiAffinity:core.PodAntiAffinity",
	"core.NodeAffinity "
	"requiredDuringSchedulingIgnoredDuringExecution:core.NodeSelector "
	"preferredDuringSchedulingIgnoredDuringExecution:"
	"[core.PreferredSchedulingTerm]",
	"core.NodeSelector nodeSelectorTerms:[core.NodeSelectorTerm]!",
	"core.NodeSelectorTerm matchExpressions:[core.NodeSelectorRequirement] "
	"matchFields:[core.NodeSelectorRequirement]",
	"core.NodeSelectorRequirement key:s! operator:s! values:[s]",
	"core.PreferredSchedulingTerm weight:i32! "
	"preference:core.NodeSelectorTerm!",
	"core.PodAffinity requiredDuringSchedulingIgnoredDuringExecution:"
	"[core.PodAffinityTerm] "
	"preferredDuringSchedulingIgnoredDuringExecution:"
	"[core.WeightedPodAffinityTerm]",
	"core.PodAntiAffinity requiredDuringSchedulingIgnoredDuringExecution:"
	"[core.PodAffinityTerm] "
	"preferredDuringSchedulingIgnoredDuringExecution:"
	"[core.WeightedPodAffinityTerm]",
	"core.PodAffinityTerm labelSelector:meta.LabelSelector "
	"namespaces:[s] topologyKey:s! namespaceSelector:meta.LabelSelector "
	"matchLabelKeys:[s] mismatchLabelKeys:[s]",
	"core.WeightedPodAffinityTerm weight:i32! "
	"podAffinityTerm:core.PodAffinityTerm!",
	"core.Toleration key:s operator:s value:s effect:s "
	"tolerationSeconds:i64",
	"core.HostAlias ip:s! hostnames:[s]",
	"core.PodDNSConfig nameservers:[s] searches:[s] "
	"options:[core.PodDNSConfigOption]",
	"core.PodDNSConfigOption name:s value:s",
	"core.PodReadinessGate conditionType:s!",
	"core.TopologySpreadConstraint maxSkew:i32! topologyKey:s! "
	"whenUnsatisfiable:s! labelSelector:meta.LabelSelector "
	"minDomains:i32 nodeAffinityPolicy:s nodeTaintsPolicy:s "
	"matchLabelKeys:[s]",
	"core.PodOS name:s!",
	"core.PodSchedulingGate name:s!",
	"core.PodResourceClaim name:s! resourceClaimName:s "
	"resourceClaimTemplateName:s",
	"core.Volume name:s! hostPath:core.HostPathVolumeSource "
	"emptyDir:core.EmptyDirVolumeSource gcePersistentDisk:o "
	"awsElasticBlockStore:o gitRepo:o secret:core.SecretVolumeSource "
	"nfs:core.NFSVolumeSource iscsi:o glusterfs:o "
	"persistentVolumeClaim:core.PersistentVolumeClaimVolumeSource rbd:o "
	"flexVolume:o cinder:o cephfs:o flocker:o "
	"downwardAPI:core.DownwardAPIVolumeSource fc:o azureFile:o "
	"configMap:core.ConfigMapVolumeSource vsphereVolume:o quobyte:o "
	"azureDisk:o photonPersistentDisk:o "
	"projected:core.ProjectedVolumeSource portworxVolume:o scaleIO:o "
	"storageos:o csi:core.CSIVolumeSource "
	"ephemeral:core.EphemeralVolumeSource image:core.ImageVolumeSource",
	"core.HostPathVolumeSource path:s! type:s",
	"core.EmptyDirVolumeSource medium:s sizeLimit:q",
	"core.SecretVolumeSource secretName:s items:[core.KeyToPath] "
	"defaultMode:i32 optional:b",
	"core.ConfigMapVolumeSource name:s items:[core.KeyToPath] "
	"defaultMode:i32 optional:b",
	"core.KeyToPath key:s! path:s! mode:i32",
	"core.PersistentVolumeClaimVolumeSource claimName:s! readOnly:b",
	"core.ProjectedVolumeSource sources:[core.VolumeProjection] "
	"defaultMode:i32",
	"core.VolumeProjection secret:core.SecretProjection "
	"downwardAPI:core.DownwardAPIProjection "
	"configMap:core.ConfigMapProjection "
	"serviceAccountToken:core.ServiceAccountTokenProjection "
	"clusterTrustBundle:o",
	"core.SecretProjection name:s items:[core.KeyToPath] optional:b",
	"core.ConfigMapProjection name:s items:[core.KeyToPath] optional:b",
	"core.DownwardAPIProjection items:[core.DownwardAPIVolumeFile]",
	"core.DownwardAPIVolumeFile path:s! fieldRef:core.ObjectFieldSelector "
	"resourceFieldRef:core.ResourceFieldSelector mode:i32",
	"core.ServiceAccountTokenProjection audience:s expirationSeconds:i64 "
	"path:s!",
	"core.DownwardAPIVolumeSource items:[core.DownwardAPIVolumeFile] "
	"defaultMode:i32",
	"core.NFSVolumeSource server:s! path:s! readOnly:b",
	"core.CSIVolumeSource driver:s! readOnly:b fsType:s "
	"volumeAttributes:{s} nodePublishSecretRef:core.LocalObjectReference",
	"core.EphemeralVolumeSource "
	"volumeClaimTemplate:core.PersistentVolumeClaimTemplate",
	"core.PersistentVolumeClaimTemplate metadata:meta.ObjectMeta "
	"spec:core.PersistentVolumeClaimSpec!",
	"core.ImageVolumeSource reference:s pullPolicy:s",
	"core.TopologySelectorTerm "
	"matchLabelExpressions:[core.TopologySelectorLabelRequirement]",
	"core.TopologySelectorLabelRequirement key:s! values:[s]!",

	/* apps/v1 */
	"apps.Deployment " OM "spec:apps.DeploymentSpec "
	"status:apps.DeploymentStatus",
	"apps.DeploymentSpec replicas:i32 selector:meta.LabelSelector! "
	"template:core.PodTemplateSpec! strategy:apps.DeploymentStrategy "
	"minReadySeconds:i32 revisionHistoryLimit:i32 paused:b "
	"progressDeadlineSeconds:i32",
	"apps.DeploymentStrategy type:s "
	"rollingUpdate:apps.RollingUpdateDeployment",
	"apps.RollingUpdateDeployment maxUnavailable:ios maxSurge:ios",
	"apps.DeploymentStatus observedGeneration:i64 replicas:i32 "
	"updatedReplicas:i32 readyReplicas:i32 availableReplicas:i32 "
	"unavailableReplicas:i32 terminatingReplicas:i32 "
	"conditions:[apps.DeploymentCondition] collisionCount:i32",
	"apps.DeploymentCondition type:s! status:s! lastUpdateTime:t "
	"lastTransitionTime:t reason:s message:s",
	"apps.StatefulSet " OM "spec:apps.StatefulSetSpec "
	"status:apps.StatefulSetStatus",
	"apps.StatefulSetSpec replicas:i32 selector:meta.LabelSelector! "
	"template:core.PodTemplateSpec! "
	"volumeClaimTemplates:[core.PersistentVolumeClaim] serviceName:s "
	"podManagementPolicy:s updateStrategy:apps.StatefulSetUpdateStrategy "
	"revisionHistoryLimit:i32 minReadySeconds:i32 "
	"persistentVolumeClaimRetentionPolicy:"
	"apps.StatefulSetPersistentVolumeClaimRetentionPolicy "
	"ordinals:apps.StatefulSetOrdinals",
	"apps.StatefulSetUpdateStrategy type:s "
	"rollingUpdate:apps.RollingUpdateStatefulSetStrategy",
	"apps.RollingUpdateStatefulSetStrategy partition:i32 "
	"maxUnavailable:ios",
	"apps.StatefulSetPersistentVolumeClaimRetentionPolicy whenDeleted:s "
	"whenScaled:s",
	"apps.StatefulSetOrdinals start:i32",
	"apps.StatefulSetStatus observedGeneration:i64 replicas:i32! "
	"readyReplicas:i32 currentReplicas:i32 updatedReplicas:i32 "
	"currentRevision:s updateRevision:s collisionCount:i32 "
	"conditions:[apps.StatefulSetCondition] availableReplicas:i32",
	"apps.StatefulSetCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",
	"apps.DaemonSet " OM "spec:apps.DaemonSetSpec "
	"status:apps.DaemonSetStatus",
	"apps.DaemonSetSpec selector:meta.LabelSelector! "
	"template:core.PodTemplateSpec! "
	"updateStrategy:apps.DaemonSetUpdateStrategy minReadySeconds:i32 "
	"revisionHistoryLimit:i32",
	"apps.DaemonSetUpdateStrategy type:s "
	"rollingUpdate:apps.RollingUpdateDaemonSet",
	"apps.RollingUpdateDaemonSet maxUnavailable:ios maxSurge:ios",
	"apps.DaemonSetStatus currentNumberScheduled:i32! "
	"numberMisscheduled:i32! desiredNumberScheduled:i32! "
	"numberReady:i32! observedGeneration:i64 updatedNumberScheduled:i32 "
	"numberAvailable:i32 numberUnavailable:i32 collisionCount:i32 "
	"conditions:[apps.DaemonSetCondition]",
	"apps.DaemonSetCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",
	"apps.ReplicaSet " OM "spec:apps.ReplicaSetSpec "
	"status:apps.ReplicaSetStatus",
	"apps.ReplicaSetSpec replicas:i32 minReadySeconds:i32 "
	"selector:meta.LabelSelector! template:core.PodTemplateSpec",
	"apps.ReplicaSetStatus replicas:i32! fullyLabeledReplicas:i32 "
	"readyReplicas:i32 availableReplicas:i32 terminatingReplicas:i32 "
	"observedGeneration:i64 conditions:[apps.ReplicaSetCondition]",
	"apps.ReplicaSetCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",

	/* batch/v1 */
	"batch.Job " OM "spec:batch.JobSpec status:batch.JobStatus",
	"batch.JobSpec parallelism:i32 completions:i32 "
	"activeDeadlineSeconds:i64 podFailurePolicy:o successPolicy:o "
	"backoffLimit:i32 backoffLimitPerIndex:i32 maxFailedIndexes:i32 "
	"selector:meta.LabelSelector manualSelector:b "
	"template:core.PodTemplateSpec! ttlSecondsAfterFinished:i32 "
	"completionMode:s suspend:b podReplacementPolicy:s managedBy:s",
	"batch.JobStatus conditions:[batch.JobCondition] startTime:t "
	"completionTime:t active:i32 succeeded:i32 failed:i32 "
	"terminating:i32 completedIndexes:s failedIndexes:s "
	"uncountedTerminatedPods:o ready:i32",
	"batch.JobCondition type:s! status:s! lastProbeTime:t "
	"lastTransitionTime:t reason:s message:s",
	"batch.CronJob " OM "spec:batch.CronJobSpec "
	"status:batch.CronJobStatus",
	"batch.CronJobSpec schedule:s! timeZone:s startingDeadlineSeconds:i64 "
	"concurrencyPolicy:s suspend:b jobTemplate:batch.JobTemplateSpec! "
	"successfulJobsHistoryLimit:i32 failedJobsHistoryLimit:i32",
	"batch.JobTemplateSpec metadata:meta.ObjectMeta spec:batch.JobSpec",
	"batch.CronJobStatus active:[core.ObjectReference] "
	"lastScheduleTime:t lastSuccessfulTime:t",

	/* rbac.authorization.k8s.io/v1 */
	"rbac.Role " OM "rules:[rbac.PolicyRule]",
	"rbac.ClusterRole " OM "rules:[rbac.PolicyRule] "
	"aggregationRule:rbac.AggregationRule",
	"rbac.PolicyRule verbs:[s]! apiGroups:[s] resources:[s] "
	"resourceNames:[s] nonResourceURLs:[s]",
	"rbac.AggregationRule clusterRoleSelectors:[meta.LabelSelector]",
	"rbac.RoleBinding " OM "subjects:[rbac.Subject] roleRef:rbac.RoleRef!",
	"rbac.ClusterRoleBinding " OM "subjects:[rbac.Subject] "
	"roleRef:rbac.RoleRef!",
	"rbac.Subject kind:s! apiGroup:s name:s! namespace:s",
	"rbac.RoleRef apiGroup:s! kind:s! name:s!",

	/* storage.k8s.io/v1 */
	"storage.StorageClass " OM "provisioner:s! parameters:{s} "
	"reclaimPolicy:s mountOptions:[s] allowVolumeExpansion:b "
	"volumeBindingMode:s allowedTopologies:[core.TopologySelectorTerm]",

	/* policy/v1 */
	"policy.PodDisruptionBudget " OM
	"spec:policy.PodDisruptionBudgetSpec "
	"status:policy.PodDisruptionBudgetStatus",
	"policy.PodDisruptionBudgetSpec minAvailable:ios "
	"selector:meta.LabelSelector maxUnavailable:ios "
	"unhealthyPodEvictionPolicy:s",
	"policy.PodDisruptionBudgetStatus observedGeneration:i64 "
	"disruptedPods:{t} disruptionsAllowed:i32! currentHealthy:i32! "
	"desiredHealthy:i32! expectedPods:i32! conditions:[meta.Condition]",

	/* networking.k8s.io/v1 */
	"net.Ingress " OM "spec:net.IngressSpec status:net.IngressStatus",
	"net.IngressSpec ingressClassName:s defaultBackend:net.IngressBackend "
	"tls:[net.IngressTLS] rules:[net.IngressRule]",
	"net.IngressBackend service:net.IngressServiceBackend "
	"resource:core.TypedLocalObjectReference",
	"net.IngressServiceBackend name:s! port:net.ServiceBackendPort",
	"net.ServiceBackendPort name:s number:i32",
	"net.IngressTLS hosts:[s] secretName:s",
	"net.IngressRule host:s http:net.HTTPIngressRuleValue",
	"net.HTTPIngressRuleValue paths:[net.HTTPIngressPath]!",
	"net.HTTPIngressPath path:s pathType:s! backend:net.IngressBackend!",
	"net.IngressStatus loadBalancer:net.IngressLoadBalancerStatus",
	"net.IngressLoadBalancerStatus "
	"ingress:[net.IngressLoadBalancerIngress]",
	"net.IngressLoadBalancerIngress ip:s hostname:s "
	"ports:[net.IngressPortStatus]",
	"net.IngressPortStatus port:i32! protocol:s! error:s",
	"net.IngressClass " OM "spec:net.IngressClassSpec",
	"net.IngressClassSpec controller:s "
	"parameters:net.IngressClassParametersReference",
	"net.IngressClassParametersReference apiGroup:s kind:s! name:s! "
	"scope:s namespace:s",
	"net.NetworkPolicy " OM "spec:net.NetworkPolicySpec",
	"net.NetworkPolicySpec podSelector:meta.LabelSelector "
	"ingress:[net.NetworkPolicyIngressRule] "
	"egress:[net.NetworkPolicyEgressRule] policyTypes:[s]",
	"net.NetworkPolicyIngressRule ports:[net.NetworkPolicyPort] "
	"from:[net.NetworkPolicyPeer]",
	"net.NetworkPolicyEgressRule ports:[net.NetworkPolicyPort] "
	"to:[net.NetworkPolicyPeer]",
	"net.NetworkPolicyPort protocol:s port:ios endPort:i32",
	"net.NetworkPolicyPeer podSelector:meta.LabelSelector "
	"namespaceSelector:meta.LabelSelector ipBlock:net.IPBlock",
	"net.IPBlock cidr:s! except:[s]",

	/* autoscaling/v2 */
	"as.HorizontalPodAutoscaler " OM
	"spec:as.HorizontalPodAutoscalerSpec status:o",
	"as.HorizontalPodAutoscalerSpec "
	"scaleTargetRef:as.CrossVersionObjectReference! minReplicas:i32 "
	"maxReplicas:i32! metrics:[o] behavior:o",
	"as.CrossVersionObjectReference kind:s! name:s! apiVersion:s",

	/* scheduling.k8s.io/v1, coordination.k8s.io/v1 */
	"sched.PriorityClass " OM "value:i32! globalDefault:b description:s "
	"preemptionPolicy:s",
	"coord.Lease " OM "spec:coord.LeaseSpec",
	"coord.LeaseSpec holderIdentity:s leaseDurationSeconds:i32 "
	"acquireTime:mt renewTime:mt leaseTransitions:i32 strategy:s "
	"preferredHolder:s",

	/* apiextensions.k8s.io/v1 */
	"ext.CustomResourceDefinition " OM
	"spec:ext.CustomResourceDefinitionSpec! "
	"status:ext.CustomResourceDefinitionStatus",
	"ext.CustomResourceDefinitionSpec group:s! "
	"names:ext.CustomResourceDefinitionNames! scope:s! "
	"versions:[ext.CustomResourceDefinitionVersion]! "
	"conversion:ext.CustomResourceConversion preserveUnknownFields:b",
	"ext.CustomResourceDefinitionNames plural:s! singular:s "
	"shortNames:[s] kind:s! listKind:s categories:[s]",
	"ext.CustomResourceDefinitionVersion name:s! served:b! storage:b! "
	"deprecated:b deprecationWarning:s "
	"schema:ext.CustomResourceValidation "
	"subresources:ext.CustomResourceSubresources "
	"additionalPrinterColumns:[ext.CustomResourceColumnDefinition] "
	"selectableFields:[ext.SelectableField]",
	"ext.CustomResourceValidation openAPIV3Schema:o",
	"ext.CustomResourceSubresources status:o "
	"scale:ext.CustomResourceSubresourceScale",
	"ext.CustomResourceSubresourceScale specReplicasPath:s! "
	"statusReplicasPath:s! labelSelectorPath:s",
	"ext.CustomResourceColumnDefinition name:s! type:s! format:s "
	"description:s priority:i32 jsonPath:s!",
	"ext.SelectableField jsonPath:s!",
	"ext.CustomResourceConversion strategy:s! webhook:o",
	"ext.CustomResourceDefinitionStatus "
	"conditions:[ext.CustomResourceDefinitionCondition] "
	"acceptedNames:ext.CustomResourceDefinitionNames storedVersions:[s]",
	"ext.CustomResourceDefinitionCondition type:s! status:s! "
	"lastTransitionTime:t reason:s message:s",

	/* apiregistration.k8s.io/v1 */
	"reg.APIService " OM "spec:reg.APIServiceSpec "
	"status:reg.APIServiceStatus",
	"reg.APIServiceSpec service:reg.ServiceReference group:s version:s "
	"insecureSkipTLSVerify:b caBundle:by groupPriorityMinimum:i32! "
	"versionPriority:i32!",
	"reg.ServiceReference namespace:s name:s port:i32",
	"reg.APIServiceStatus conditions:[reg.APIServiceCondition]",
	"reg.APIServiceCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",
	NULL,
};
