/*
 * pkg/sim: the shapes of the built-in kinds, as Kubernetes 1.32's Go types
 * declare them, in a compact notation that schema.c reads:
 *
 *   "DEF field:TYPE field:TYPE ..."
 *
 * TYPE is s (string), i32, i64, b (boolean), n (number), by (base64
 * bytes), q (Quantity), ios (IntOrString), t (Time), mt (MicroTime), o (any
 * object, kept as it is), [T] (list of T), {T} (map of T), or another
 * DEF. A "!" after a field marks it required in the published OpenAPI;
 * "@N" gives its field number in Kubernetes' protobuf encoding (typed
 * clients such as kubectl create send protobuf; "metadata" of a kind is
 * always 1), and "^" marks a Go pointer, whose zero value means itself.
 * DEF prefixes: core. apps. batch. rbac. storage. policy. net. as.
 * sched. coord. ext. reg. meta. (see schema.c). Fields are in the Go
 * types' order, which is the order the server writes them in.
 */
#include <stddef.h>

#include "pkg/sim/schema_defs.h"

#define OM "apiVersion:s kind:s metadata:meta.ObjectMeta "

const char *const schema_defs[] = {
	/* meta */
	"meta.ObjectMeta name:s@1 generateName:s@2 namespace:s@3 selfLink:s@4 uid:s@5 "
	"resourceVersion:s@6 generation:i64@7 creationTimestamp:t@8 "
	"deletionTimestamp:t@9 deletionGracePeriodSeconds:i64@10 labels:{s}@11 "
	"annotations:{s}@12 ownerReferences:[meta.OwnerReference]@13 "
	"finalizers:[s]@14 managedFields:[meta.ManagedFieldsEntry]@17",
	"meta.OwnerReference apiVersion:s!@5 kind:s!@1 name:s!@3 uid:s!@4 "
	"controller:b@6 blockOwnerDeletion:b@7",
	"meta.ManagedFieldsEntry manager:s operation:s apiVersion:s time:t "
	"fieldsType:s fieldsV1:o subresource:s",
	"meta.LabelSelector matchLabels:{s}@1 "
	"matchExpressions:[meta.LabelSelectorRequirement]@2",
	"meta.LabelSelectorRequirement key:s!@1 operator:s!@2 values:[s]@3",
	"meta.Condition type:s! status:s! observedGeneration:i64 "
	"lastTransitionTime:t! reason:s! message:s!",

	/* core/v1 */
	"core.ConfigMap " OM "immutable:b@4^ data:{s}@2 binaryData:{by}@3",
	"core.Secret " OM "immutable:b@5^ data:{by}@2 stringData:{s}@4 type:s@3",
	"core.ServiceAccount " OM "secrets:[core.ObjectReference]@2 "
	"imagePullSecrets:[core.LocalObjectReference]@3 "
	"automountServiceAccountToken:b@4^",
	"core.ObjectReference kind:s@1 namespace:s@2 name:s@3 uid:s@4 apiVersion:s@5 "
	"resourceVersion:s@6 fieldPath:s@7",
	"core.LocalObjectReference name:s@1",
	"core.Namespace " OM "spec:core.NamespaceSpec@2 "
	"status:core.NamespaceStatus@3",
	"core.NamespaceSpec finalizers:[s]@1",
	"core.NamespaceStatus phase:s@1 conditions:[core.NamespaceCondition]@2",
	"core.NamespaceCondition type:s! status:s! lastTransitionTime:t "
	"reason:s message:s",
	"core.Service " OM "spec:core.ServiceSpec@2 status:core.ServiceStatus@3",
	"core.ServiceSpec ports:[core.ServicePort]@1 selector:{s}@2 clusterIP:s@3 "
	"clusterIPs:[s]@18 type:s@4 externalIPs:[s]@5 sessionAffinity:s@7 "
	"loadBalancerIP:s@8 loadBalancerSourceRanges:[s]@9 externalName:s@10 "
	"externalTrafficPolicy:s@11 healthCheckNodePort:i32@12 "
	"publishNotReadyAddresses:b@13 "
	"sessionAffinityConfig:core.SessionAffinityConfig@14 ipFamilies:[s]@19 "
	"ipFamilyPolicy:s@17 allocateLoadBalancerNodePorts:b@20 "
	"loadBalancerClass:s@21 internalTrafficPolicy:s@22 trafficDistribution:s@23",
	"core.ServicePort name:s@1 protocol:s@2 appProtocol:s@6 port:i32!@3 "
	"targetPort:ios@4 nodePort:i32@5",
	"core.SessionAffinityConfig clientIP:core.ClientIPConfig",
	"core.ClientIPConfig timeoutSeconds:i32",
	"core.ServiceStatus loadBalancer:core.LoadBalancerStatus@1 "
	"conditions:[meta.Condition]@2",
	"core.LoadBalancerStatus ingress:[core.LoadBalancerIngress]@1",
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
	"core.ResourceQuota " OM "spec:core.ResourceQuotaSpec@2 "
	"status:core.ResourceQuotaStatus@3",
	"core.ResourceQuotaSpec hard:{q}@1 scopes:[s]@2 "
	"scopeSelector:core.ScopeSelector@3",
	"core.ScopeSelector "
	"matchExpressions:[core.ScopedResourceSelectorRequirement]",
	"core.ScopedResourceSelectorRequirement scopeName:s! operator:s! "
	"values:[s]",
	"core.ResourceQuotaStatus hard:{q}@1 used:{q}@2",
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
	"core.Node " OM "spec:o status:o",
	"core.Pod " OM "spec:core.PodSpec status:o",
	"core.PodTemplateSpec metadata:meta.ObjectMeta@1 spec:core.PodSpec@2",
	"core.PodSpec volumes:[core.Volume]@1 initContainers:[core.Container]@20 "
	"containers:[core.Container]!@2 ephemeralContainers:[o] "
	"restartPolicy:s@3 terminationGracePeriodSeconds:i64@4^ "
	"activeDeadlineSeconds:i64@5^ dnsPolicy:s@6 nodeSelector:{s}@7 "
	"serviceAccountName:s@8 serviceAccount:s@9 "
	"automountServiceAccountToken:b@21^ nodeName:s@10 hostNetwork:b@11 hostPID:b@12 "
	"hostIPC:b@13 shareProcessNamespace:b@27^ "
	"securityContext:core.PodSecurityContext@14 "
	"imagePullSecrets:[core.LocalObjectReference]@15 hostname:s@16 "
	"subdomain:s@17 affinity:core.Affinity@18 schedulerName:s@19 "
	"tolerations:[core.Toleration]@22 hostAliases:[core.HostAlias]@23 "
	"priorityClassName:s@24 priority:i32@25^ dnsConfig:core.PodDNSConfig@26 "
	"readinessGates:[core.PodReadinessGate]@28 runtimeClassName:s@29 "
	"enableServiceLinks:b@30^ preemptionPolicy:s@31 overhead:{q}@32 "
	"topologySpreadConstraints:[core.TopologySpreadConstraint]@33 "
	"setHostnameAsFQDN:b@35 os:core.PodOS@36 hostUsers:b@37 "
	"schedulingGates:[core.PodSchedulingGate]@38 "
	"resourceClaims:[core.PodResourceClaim]@39 "
	"resources:core.ResourceRequirements@40",
	"core.Container name:s!@1 image:s@2 command:[s]@3 args:[s]@4 workingDir:s@5 "
	"ports:[core.ContainerPort]@6 envFrom:[core.EnvFromSource]@19 "
	"env:[core.EnvVar]@7 resources:core.ResourceRequirements@8 "
	"resizePolicy:[core.ContainerResizePolicy]@23 restartPolicy:s@24 "
	"volumeMounts:[core.VolumeMount]@9 volumeDevices:[core.VolumeDevice]@21 "
	"livenessProbe:core.Probe@10 readinessProbe:core.Probe@11 "
	"startupProbe:core.Probe@22 lifecycle:core.Lifecycle@12 "
	"terminationMessagePath:s@13 terminationMessagePolicy:s@20 "
	"imagePullPolicy:s@14 securityContext:core.SecurityContext@15 stdin:b@16 "
	"stdinOnce:b@17 tty:b@18",
	"core.ContainerPort name:s@1 hostPort:i32@2 containerPort:i32!@3 "
	"protocol:s@4 hostIP:s@5",
	"core.EnvFromSource prefix:s configMapRef:core.ConfigMapEnvSource "
	"secretRef:core.SecretEnvSource",
	"core.ConfigMapEnvSource name:s optional:b",
	"core.SecretEnvSource name:s optional:b",
	"core.EnvVar name:s!@1 value:s@2 valueFrom:core.EnvVarSource@3",
	"core.EnvVarSource fieldRef:core.ObjectFieldSelector "
	"resourceFieldRef:core.ResourceFieldSelector "
	"configMapKeyRef:core.ConfigMapKeySelector "
	"secretKeyRef:core.SecretKeySelector",
	"core.ObjectFieldSelector apiVersion:s fieldPath:s!",
	"core.ResourceFieldSelector containerName:s resource:s! divisor:q",
	"core.ConfigMapKeySelector name:s key:s! optional:b",
	"core.SecretKeySelector name:s key:s! optional:b",
	"core.ResourceRequirements limits:{q}@1 requests:{q}@2 "
	"claims:[core.ResourceClaim]@3",
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
	"apps.Deployment " OM "spec:apps.DeploymentSpec@2 "
	"status:apps.DeploymentStatus@3",
	"apps.DeploymentSpec replicas:i32@1^ selector:meta.LabelSelector!@2 "
	"template:core.PodTemplateSpec!@3 strategy:apps.DeploymentStrategy@4 "
	"minReadySeconds:i32@5 revisionHistoryLimit:i32@6^ paused:b@7 "
	"progressDeadlineSeconds:i32@9^",
	"apps.DeploymentStrategy type:s@1 "
	"rollingUpdate:apps.RollingUpdateDeployment@2",
	"apps.RollingUpdateDeployment maxUnavailable:ios@1 maxSurge:ios@2",
	"apps.DeploymentStatus observedGeneration:i64@1 replicas:i32@2 "
	"updatedReplicas:i32@3 readyReplicas:i32@7 availableReplicas:i32@4 "
	"unavailableReplicas:i32@5 terminatingReplicas:i32@9 "
	"conditions:[apps.DeploymentCondition]@6 collisionCount:i32@8",
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
	"batch.Job " OM "spec:batch.JobSpec@2 status:batch.JobStatus@3",
	"batch.JobSpec parallelism:i32@1^ completions:i32@2^ "
	"activeDeadlineSeconds:i64@3^ podFailurePolicy:o@11 successPolicy:o@16 "
	"backoffLimit:i32@7^ backoffLimitPerIndex:i32@12 maxFailedIndexes:i32@13 "
	"selector:meta.LabelSelector@4 manualSelector:b@5^ "
	"template:core.PodTemplateSpec!@6 ttlSecondsAfterFinished:i32@8^ "
	"completionMode:s@9 suspend:b@10^ podReplacementPolicy:s@14 managedBy:s@15",
	"batch.JobStatus conditions:[batch.JobCondition]@1 startTime:t@2 "
	"completionTime:t@3 active:i32@4 succeeded:i32@5 failed:i32@6 "
	"terminating:i32 completedIndexes:s failedIndexes:s "
	"uncountedTerminatedPods:o ready:i32",
	"batch.JobCondition type:s! status:s! lastProbeTime:t "
	"lastTransitionTime:t reason:s message:s",
	"batch.CronJob " OM "spec:batch.CronJobSpec@2 "
	"status:batch.CronJobStatus@3",
	"batch.CronJobSpec schedule:s!@1 timeZone:s@8 startingDeadlineSeconds:i64@2^ "
	"concurrencyPolicy:s@3 suspend:b@4^ jobTemplate:batch.JobTemplateSpec!@5 "
	"successfulJobsHistoryLimit:i32@6^ failedJobsHistoryLimit:i32@7^",
	"batch.JobTemplateSpec metadata:meta.ObjectMeta@1 spec:batch.JobSpec@2",
	"batch.CronJobStatus active:[core.ObjectReference]@1 "
	"lastScheduleTime:t@4 lastSuccessfulTime:t@5",

	/* rbac.authorization.k8s.io/v1 */
	"rbac.Role " OM "rules:[rbac.PolicyRule]@2",
	"rbac.ClusterRole " OM "rules:[rbac.PolicyRule]@2 "
	"aggregationRule:rbac.AggregationRule@3",
	"rbac.PolicyRule verbs:[s]!@1 apiGroups:[s]@2 resources:[s]@3 "
	"resourceNames:[s]@4 nonResourceURLs:[s]@5",
	"rbac.AggregationRule clusterRoleSelectors:[meta.LabelSelector]@1",
	"rbac.RoleBinding " OM "subjects:[rbac.Subject]@2 roleRef:rbac.RoleRef!@3",
	"rbac.ClusterRoleBinding " OM "subjects:[rbac.Subject]@2 "
	"roleRef:rbac.RoleRef!@3",
	"rbac.Subject kind:s!@1 apiGroup:s@2 name:s!@3 namespace:s@4",
	"rbac.RoleRef apiGroup:s!@1 kind:s!@2 name:s!@3",

	/* storage.k8s.io/v1 */
	"storage.StorageClass " OM "provisioner:s! parameters:{s} "
	"reclaimPolicy:s mountOptions:[s] allowVolumeExpansion:b "
	"volumeBindingMode:s allowedTopologies:[core.TopologySelectorTerm]",

	/* policy/v1 */
	"policy.PodDisruptionBudget " OM
	"spec:policy.PodDisruptionBudgetSpec@2 "
	"status:policy.PodDisruptionBudgetStatus@3",
	"policy.PodDisruptionBudgetSpec minAvailable:ios@1 "
	"selector:meta.LabelSelector@2 maxUnavailable:ios@3 "
	"unhealthyPodEvictionPolicy:s@4",
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
	"sched.PriorityClass " OM "value:i32!@2 globalDefault:b@3 description:s@4 "
	"preemptionPolicy:s@5",
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
