/* Namespaced or cluster-scoped, without asking a cluster. */
#include <jansson.h>
#include <string.h>

#include "pkg/app/app.h"
#include "pkg/base/mem.h"

struct app_scope {
	json_t *crds;   /* "group/Kind" -> true when namespaced */
};

/* Every cluster-scoped kind Kubernetes 1.32 serves (kubectl api-resources
 * --namespaced=false), by group. */
static const struct {
	const char *group, *kind;
} cluster_scoped[] = {
	{ "", "Namespace" },
	{ "", "Node" },
	{ "", "PersistentVolume" },
	{ "", "ComponentStatus" },
	{ "admissionregistration.k8s.io", "MutatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", "ValidatingWebhookConfiguration" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicy" },
	{ "admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding" },
	{ "apiextensions.k8s.io", "CustomResourceDefinition" },
	{ "apiregistration.k8s.io", "APIService" },
	{ "authentication.k8s.io", "SelfSubjectReview" },
	{ "authentication.k8s.io", "TokenReview" },
	{ "authorization.k8s.io", "SelfSubjectAccessReview" },
	{ "authorization.k8s.io", "SelfSubjectRulesReview" },
	{ "authorization.k8s.io", "SubjectAccessReview" },
	{ "certificates.k8s.io", "CertificateSigningRequest" },
	{ "certificates.k8s.io", "ClusterTrustBundle" },
	{ "flowcontrol.apiserver.k8s.io", "FlowSchema" },
	{ "flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration" },
	{ "internal.apiserver.k8s.io", "StorageVersion" },
	{ "networking.k8s.io", "IngressClass" },
	{ "networking.k8s.io", "IPAddress" },
	{ "networking.k8s.io", "ServiceCIDR" },
	{ "node.k8s.io", "RuntimeClass" },
	{ "rbac.authorization.k8s.io", "ClusterRole" },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding" },
	{ "resource.k8s.io", "DeviceClass" },
	{ "resource.k8s.io", "ResourceSlice" },
	{ "scheduling.k8s.io", "PriorityClass" },
	{ "storage.k8s.io", "CSIDriver" },
	{ "storage.k8s.io", "CSINode" },
	{ "storage.k8s.io", "StorageClass" },
	{ "storage.k8s.io", "VolumeAttachment" },
	{ "storage.k8s.io", "VolumeAttributesClass" },
	{ "storagemigration.k8s.io", "StorageVersionMigration" },
};

/* Groups whose kinds are all in the table or namespaced: a kind of these
 * groups missing from the table is namespaced for sure. */
static const char *const builtin_groups[] = {
	"", "apps", "batch", "autoscaling", "policy", "networking.k8s.io",
	"rbac.authorization.k8s.io", "storage.k8s.io", "coordination.k8s.io",
	"discovery.k8s.io", "events.k8s.io", "scheduling.k8s.io",
	"node.k8s.io", "certificates.k8s.io", "admissionregistration.k8s.io",
	"apiextensions.k8s.io", "apiregistration.k8s.io", "resource.k8s.io",
	"flowcontrol.apiserver.k8s.io", "authentication.k8s.io",
	"authorization.k8s.io", "internal.apiserver.k8s.io",
	"storagemigration.k8s.io",
};

struct app_scope *app_scope_new(void)
{
	struct app_scope *sc = xcalloc(1, sizeof(*sc));
	sc->crds = json_object();
	return sc;
}

void app_scope_free(struct app_scope *sc)
{
	if (!sc)
		return;
	json_decref(sc->crds);
	free(sc);
}

void app_scope_learn(struct app_scope *sc, const struct obj_list *objs)
{
	char g[256];
	for (size_t i = 0; i < objs->nr; i++) {
		const json_t *o = objs->v[i].json;
		if (strcmp(obj_kind(o), "CustomResourceDefinition") ||
		    strcmp(obj_group(o, g, sizeof(g)), "apiextensions.k8s.io"))
			continue;
		const json_t *spec = json_object_get(o, "spec");
		const char *group = json_string_value(
			json_object_get(spec, "group"));
		const char *kind = json_string_value(json_object_get(
			json_object_get(spec, "names"), "kind"));
		const char *scope = json_string_value(
			json_object_get(spec, "scope"));
		if (!group || !kind)
			continue;
		char *key = xasprintf("%s/%s", group, kind);
		/* the API server's default scope is Namespaced */
		json_object_set_new(sc->crds, key,
				    json_boolean(!scope ||
						 strcmp(scope, "Cluster")));
		free(key);
	}
}

int app_scope_namespaced(const struct app_scope *sc, const char *group,
			 const char *kind)
{
	size_t n = sizeof(cluster_scoped) / sizeof(cluster_scoped[0]);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cluster_scoped[i].group, group) &&
		    !strcmp(cluster_scoped[i].kind, kind))
			return 0;
	char *key = xasprintf("%s/%s", group, kind);
	json_t *v = json_object_get(sc->crds, key);
	free(key);
	if (v)
		return json_is_true(v);
	n = sizeof(builtin_groups) / sizeof(builtin_groups[0]);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(builtin_groups[i], group))
			return 1;
	return -1;
}
