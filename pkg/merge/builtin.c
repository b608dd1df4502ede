/*
 * The built-in schema: patchStrategy / patchMergeKey of every kind kubesim
 * serves, as the struct tags of Kubernetes' Go types (k8s.io/api,
 * k8s.io/apimachinery meta/v1, apiextensions-apiserver, kube-aggregator)
 * declare them. kubectl uses exactly these tags when it has no OpenAPI,
 * and the API server always does; tests/unit/test_merge_kubectl.c checks
 * every row against the kubectl on the machine.
 *
 * A type lists the fields that carry a patch strategy and the object
 * fields leading to them. A list not listed, or listed with no strategy,
 * is replaced whole by a patch; rows with no strategy are here to say so
 * for lists people often expect to merge (tolerations, envFrom, ...).
 */
#include <stddef.h>

#include "pkg/merge/builtin.h"

#define NONE NULL

/* clang-format off */
const struct merge_builtin_row merge_builtin_fields[] = {
/*  type                          field                       strategy            merge key        value / item type */

/* metav1: every object's metadata */
{ "ObjectMeta",                   "finalizers",               "merge",            NONE,            NONE },
{ "ObjectMeta",                   "ownerReferences",          "merge",            "uid",           NONE },

/* kinds whose only patch metadata is in metadata */
{ "Object",                       "metadata",                 NONE,               NONE,            "ObjectMeta" },

/* core/v1: pods and their templates */
{ "PodTemplateSpec",              "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "PodTemplateSpec",              "spec",                     NONE,               NONE,            "PodSpec" },

{ "PodSpec",                      "volumes",                  "merge,retainKeys", "name",          NONE },
{ "PodSpec",                      "initContainers",           "merge",            "name",          "Container" },
{ "PodSpec",                      "containers",               "merge",            "name",          "Container" },
/* EphemeralContainerCommon declares the same tags as Container */
{ "PodSpec",                      "ephemeralContainers",      "merge",            "name",          "Container" },
{ "PodSpec",                      "imagePullSecrets",         "merge",            "name",          NONE },
{ "PodSpec",                      "hostAliases",              "merge",            "ip",            NONE },
{ "PodSpec",                      "topologySpreadConstraints","merge",            "topologyKey",   NONE },
{ "PodSpec",                      "schedulingGates",          "merge",            "name",          NONE },
{ "PodSpec",                      "resourceClaims",           "merge,retainKeys", "name",          NONE },
{ "PodSpec",                      "tolerations",              NONE,               NONE,            NONE },
{ "PodSpec",                      "readinessGates",           NONE,               NONE,            NONE },

{ "Container",                    "ports",                    "merge",            "containerPort", NONE },
{ "Container",                    "env",                      "merge",            "name",          NONE },
{ "Container",                    "volumeMounts",             "merge",            "mountPath",     NONE },
{ "Container",                    "volumeDevices",            "merge",            "devicePath",    NONE },
{ "Container",                    "envFrom",                  NONE,               NONE,            NONE },
{ "Container",                    "args",                     NONE,               NONE,            NONE },
{ "Container",                    "command",                  NONE,               NONE,            NONE },

{ "PodStatus",                    "conditions",               "merge",            "type",          NONE },
{ "PodStatus",                    "podIPs",                   "merge",            "ip",            NONE },
{ "PodStatus",                    "hostIPs",                  "merge",            "ip",            NONE },
{ "PodStatus",                    "resourceClaimStatuses",    "merge,retainKeys", "name",          NONE },
{ "PodStatus",                    "initContainerStatuses",    NONE,               NONE,            "ContainerStatus" },
{ "PodStatus",                    "containerStatuses",        NONE,               NONE,            "ContainerStatus" },
{ "PodStatus",                    "ephemeralContainerStatuses",NONE,              NONE,            "ContainerStatus" },

{ "ContainerStatus",              "allocatedResourcesStatus", "merge",            "name",          NONE },
{ "ContainerStatus",              "volumeMounts",             "merge",            "mountPath",     NONE },

{ "Pod",                          "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Pod",                          "spec",                     NONE,               NONE,            "PodSpec" },
{ "Pod",                          "status",                   NONE,               NONE,            "PodStatus" },

{ "PodTemplate",                  "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "PodTemplate",                  "template",                 NONE,               NONE,            "PodTemplateSpec" },

{ "ReplicationController",        "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "ReplicationController",        "spec",                     NONE,               NONE,            "ReplicationControllerSpec" },
{ "ReplicationController",        "status",                   NONE,               NONE,            "ReplicationControllerStatus" },
{ "ReplicationControllerSpec",    "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "ReplicationControllerStatus",  "conditions",               "merge",            "type",          NONE },

/* core/v1: the other kinds */
{ "Service",                      "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Service",                      "spec",                     NONE,               NONE,            "ServiceSpec" },
{ "Service",                      "status",                   NONE,               NONE,            "ServiceStatus" },
{ "ServiceSpec",                  "ports",                    "merge",            "port",          NONE },
{ "ServiceStatus",                "conditions",               "merge",            "type",          NONE },

{ "ServiceAccount",               "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "ServiceAccount",               "secrets",                  "merge",            "name",          NONE },
{ "ServiceAccount",               "imagePullSecrets",         NONE,               NONE,            NONE },

{ "Namespace",                    "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Namespace",                    "spec",                     NONE,               NONE,            "NamespaceSpec" },
{ "Namespace",                    "status",                   NONE,               NONE,            "NamespaceStatus" },
/* unlike metadata.finalizers, spec.finalizers has no strategy */
{ "NamespaceSpec",                "finalizers",               NONE,               NONE,            NONE },
{ "NamespaceStatus",              "conditions",               "merge",            "type",          NONE },

{ "PersistentVolumeClaim",        "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "PersistentVolumeClaim",        "status",                   NONE,               NONE,            "PersistentVolumeClaimStatus" },
{ "PersistentVolumeClaimStatus",  "conditions",               "merge",            "type",          NONE },

{ "Node",                         "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Node",                         "spec",                     NONE,               NONE,            "NodeSpec" },
{ "Node",                         "status",                   NONE,               NONE,            "NodeStatus" },
{ "NodeSpec",                     "podCIDRs",                 "merge",            NONE,            NONE },
{ "NodeStatus",                   "addresses",                "merge",            "type",          NONE },
{ "NodeStatus",                   "conditions",               "merge",            "type",          NONE },

/* apps/v1 */
{ "Deployment",                   "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Deployment",                   "spec",                     NONE,               NONE,            "DeploymentSpec" },
{ "Deployment",                   "status",                   NONE,               NONE,            "DeploymentStatus" },
{ "DeploymentSpec",               "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "DeploymentSpec",               "strategy",                 "retainKeys",       NONE,            NONE },
{ "DeploymentStatus",             "conditions",               "merge",            "type",          NONE },

{ "StatefulSet",                  "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "StatefulSet",                  "spec",                     NONE,               NONE,            "StatefulSetSpec" },
{ "StatefulSet",                  "status",                   NONE,               NONE,            "StatefulSetStatus" },
{ "StatefulSetSpec",              "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "StatefulSetSpec",              "volumeClaimTemplates",     NONE,               NONE,            NONE },
{ "StatefulSetStatus",            "conditions",               "merge",            "type",          NONE },

{ "DaemonSet",                    "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "DaemonSet",                    "spec",                     NONE,               NONE,            "DaemonSetSpec" },
{ "DaemonSet",                    "status",                   NONE,               NONE,            "DaemonSetStatus" },
{ "DaemonSetSpec",                "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "DaemonSetStatus",              "conditions",               "merge",            "type",          NONE },

{ "ReplicaSet",                   "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "ReplicaSet",                   "spec",                     NONE,               NONE,            "ReplicaSetSpec" },
{ "ReplicaSet",                   "status",                   NONE,               NONE,            "ReplicaSetStatus" },
{ "ReplicaSetSpec",               "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "ReplicaSetStatus",             "conditions",               "merge",            "type",          NONE },

/* batch/v1 */
{ "Job",                          "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "Job",                          "spec",                     NONE,               NONE,            "JobSpec" },
{ "Job",                          "status",                   NONE,               NONE,            "JobStatus" },
{ "JobSpec",                      "template",                 NONE,               NONE,            "PodTemplateSpec" },
{ "JobStatus",                    "conditions",               "merge",            "type",          NONE },

{ "CronJob",                      "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "CronJob",                      "spec",                     NONE,               NONE,            "CronJobSpec" },
{ "CronJobSpec",                  "jobTemplate",              NONE,               NONE,            "JobTemplateSpec" },
{ "JobTemplateSpec",              "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "JobTemplateSpec",              "spec",                     NONE,               NONE,            "JobSpec" },

/* policy/v1 */
{ "PodDisruptionBudget",          "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "PodDisruptionBudget",          "spec",                     NONE,               NONE,            "PodDisruptionBudgetSpec" },
{ "PodDisruptionBudget",          "status",                   NONE,               NONE,            "PodDisruptionBudgetStatus" },
{ "PodDisruptionBudgetSpec",      "selector",                 "replace",          NONE,            NONE },
{ "PodDisruptionBudgetStatus",    "conditions",               "merge",            "type",          NONE },

/* autoscaling/v2 */
{ "HorizontalPodAutoscaler",      "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "HorizontalPodAutoscaler",      "status",                   NONE,               NONE,            "HorizontalPodAutoscalerStatus" },
{ "HorizontalPodAutoscalerStatus","conditions",               "merge",            "type",          NONE },

/* apiregistration.k8s.io/v1 */
{ "APIService",                   "metadata",                 NONE,               NONE,            "ObjectMeta" },
{ "APIService",                   "status",                   NONE,               NONE,            "APIServiceStatus" },
{ "APIServiceStatus",             "conditions",               "merge",            "type",          NONE },

{ NULL, NULL, NULL, NULL, NULL }
};

const struct merge_builtin_kind merge_builtin_kinds[] = {
/*  group                           kind                        root type */
{ "",                             "Pod",                      "Pod" },
{ "",                             "PodTemplate",              "PodTemplate" },
{ "",                             "ReplicationController",    "ReplicationController" },
{ "",                             "Service",                  "Service" },
{ "",                             "ServiceAccount",           "ServiceAccount" },
{ "",                             "Namespace",                "Namespace" },
{ "",                             "PersistentVolumeClaim",    "PersistentVolumeClaim" },
{ "",                             "Node",                     "Node" },
{ "",                             "ConfigMap",                "Object" },
{ "",                             "Secret",                   "Object" },
{ "",                             "Endpoints",                "Object" },
{ "",                             "PersistentVolume",         "Object" },
{ "",                             "Event",                    "Object" },
{ "",                             "ResourceQuota",            "Object" },
{ "",                             "LimitRange",               "Object" },
{ "apps",                         "Deployment",               "Deployment" },
{ "apps",                         "StatefulSet",              "StatefulSet" },
{ "apps",                         "DaemonSet",                "DaemonSet" },
{ "apps",                         "ReplicaSet",               "ReplicaSet" },
{ "apps",                         "ControllerRevision",       "Object" },
{ "batch",                        "Job",                      "Job" },
{ "batch",                        "CronJob",                  "CronJob" },
{ "rbac.authorization.k8s.io",    "Role",                     "Object" },
{ "rbac.authorization.k8s.io",    "ClusterRole",              "Object" },
{ "rbac.authorization.k8s.io",    "RoleBinding",              "Object" },
{ "rbac.authorization.k8s.io",    "ClusterRoleBinding",       "Object" },
{ "storage.k8s.io",               "StorageClass",             "Object" },
{ "policy",                       "PodDisruptionBudget",      "PodDisruptionBudget" },
{ "networking.k8s.io",            "Ingress",                  "Object" },
{ "networking.k8s.io",            "IngressClass",             "Object" },
{ "networking.k8s.io",            "NetworkPolicy",            "Object" },
{ "autoscaling",                  "HorizontalPodAutoscaler",  "HorizontalPodAutoscaler" },
{ "scheduling.k8s.io",            "PriorityClass",            "Object" },
{ "coordination.k8s.io",          "Lease",                    "Object" },
/* CustomResourceDefinitionStatus.conditions is a map list but has no
 * patchStrategy tag */
{ "apiextensions.k8s.io",         "CustomResourceDefinition", "Object" },
{ "apiregistration.k8s.io",       "APIService",               "APIService" },
{ NULL, NULL, NULL }
};
/* clang-format on */
