/*
 * pkg/sim: the resource types the server knows — the built-in table (with
 * the discovery facts kube-apiserver 1.32 publishes: singular names, short
 * names, categories, verbs, subresources) and the types that established
 * CustomResourceDefinitions add.
 */
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/sim/internal.h"

#define ALL VERBS_ALL
#define NO_DC (VERBS_ALL & ~VERB_DELETECOLLECTION)

struct builtin {
	const char *group, *version, *resource, *singular, *kind;
	int namespaced;
	unsigned verbs, flags;
	const char *short_names; /* space separated */
	const char *categories;
	const char *def;         /* OpenAPI definition */
};

/* In the order discovery lists them: by group priority, then name. */
static const struct builtin builtins[] = {
	{ "", "v1", "configmaps", "configmap", "ConfigMap", 1, ALL, 0, "cm",
	  NULL, "io.k8s.api.core.v1.ConfigMap" },
	{ "", "v1", "endpoints", "endpoints", "Endpoints", 1, ALL, 0, "ep",
	  NULL, "io.k8s.api.core.v1.Endpoints" },
	{ "", "v1", "events", "event", "Event", 1, ALL, 0, "ev", NULL,
	  "io.k8s.api.core.v1.Event" },
	{ "", "v1", "limitranges", "limitrange", "LimitRange", 1, ALL, 0,
	  "limits", NULL, "io.k8s.api.core.v1.LimitRange" },
	{ "", "v1", "namespaces", "namespace", "Namespace", 0, NO_DC,
	  RT_STATUS, "ns", NULL, "io.k8s.api.core.v1.Namespace" },
	{ "", "v1", "nodes", "node", "Node", 0, ALL, RT_STATUS, "no", NULL,
	  "io.k8s.api.core.v1.Node" },
	{ "", "v1", "persistentvolumeclaims", "persistentvolumeclaim",
	  "PersistentVolumeClaim", 1, ALL, RT_STATUS, "pvc", NULL,
	  "io.k8s.api.core.v1.PersistentVolumeClaim" },
	{ "", "v1", "persistentvolumes", "persistentvolume",
	  "PersistentVolume", 0, ALL, RT_STATUS, "pv", NULL,
	  "io.k8s.api.core.v1.PersistentVolume" },
	{ "", "v1", "pods", "pod", "Pod", 1, ALL, RT_STATUS, "po", "all",
	  "io.k8s.api.core.v1.Pod" },
	{ "", "v1", "resourcequotas", "resourcequota", "ResourceQuota", 1, ALL,
	  RT_STATUS, "quota", NULL, "io.k8s.api.core.v1.ResourceQuota" },
	{ "", "v1", "secrets", "secret", "Secret", 1, ALL, 0, NULL, NULL,
	  "io.k8s.api.core.v1.Secret" },
	{ "", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", 1,
	  ALL, 0, "sa", NULL, "io.k8s.api.core.v1.ServiceAccount" },
	{ "", "v1", "services", "service", "Service", 1, ALL, RT_STATUS, "svc",
	  "all", "io.k8s.api.core.v1.Service" },
	{ "apiregistration.k8s.io", "v1", "apiservices", "apiservice",
	  "APIService", 0, ALL, RT_STATUS, NULL, "api-extensions",
	  "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService" },
	{ "apps", "v1", "daemonsets", "daemonset", "DaemonSet", 1, ALL,
	  RT_STATUS | RT_GENERATION, "ds", "all",
	  "io.k8s.api.apps.v1.DaemonSet" },
	{ "apps", "v1", "deployments", "deployment", "Deployment", 1, ALL,
	  RT_STATUS | RT_GENERATION | RT_SCALE, "deploy", "all",
	  "io.k8s.api.apps.v1.Deployment" },
	{ "apps", "v1", "replicasets", "replicaset", "ReplicaSet", 1, ALL,
	  RT_STATUS | RT_GENERATION | RT_SCALE, "rs", "all",
	  "io.k8s.api.apps.v1.ReplicaSet" },
	{ "apps", "v1", "statefulsets", "statefulset", "StatefulSet", 1, ALL,
	  RT_STATUS | RT_GENERATION | RT_SCALE, "sts", "all",
	  "io.k8s.api.apps.v1.StatefulSet" },
	{ "autoscaling", "v2", "horizontalpodautoscalers",
	  "horizontalpodautoscaler", "HorizontalPodAutoscaler", 1, ALL,
	  RT_STATUS, "hpa", "all",
	  "io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler" },
	{ "batch", "v1", "cronjobs", "cronjob", "CronJob", 1, ALL,
	  RT_STATUS | RT_GENERATION, "cj", "all",
	  "io.k8s.api.batch.v1.CronJob" },
	{ "batch", "v1", "jobs", "job", "Job", 1, ALL,
	  RT_STATUS | RT_GENERATION, NULL, "all", "io.k8s.api.batch.v1.Job" },
	{ "networking.k8s.io", "v1", "ingressclasses", "ingressclass",
	  "IngressClass", 0, ALL, RT_GENERATION, NULL, NULL,
	  "io.k8s.api.networking.v1.IngressClass" },
	{ "networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", 1, ALL,
	  RT_STATUS | RT_GENERATION, "ing", NULL,
	  "io.k8s.api.networking.v1.Ingress" },
	{ "networking.k8s.io", "v1", "networkpolicies", "networkpolicy",
	  "NetworkPolicy", 1, ALL, RT_GENERATION, "netpol", NULL,
	  "io.k8s.api.networking.v1.NetworkPolicy" },
	{ "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
	  "PodDisruptionBudget", 1, ALL, RT_STATUS | RT_GENERATION, "pdb",
	  NULL, "io.k8s.api.policy.v1.PodDisruptionBudget" },
	{ "rbac.authorization.k8s.io", "v1", "clusterrolebindings",
	  "clusterrolebinding", "ClusterRoleBinding", 0, ALL, 0, NULL, NULL,
	  "io.k8s.api.rbac.v1.ClusterRoleBinding" },
	{ "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole",
	  "ClusterRole", 0, ALL, 0, NULL, NULL,
	  "io.k8s.api.rbac.v1.ClusterRole" },
	{ "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding",
	  "RoleBinding", 1, ALL, 0, NULL, NULL,
	  "io.k8s.api.rbac.v1.RoleBinding" },
	{ "rbac.authorization.k8s.io", "v1", "roles", "role", "Role", 1, ALL, 0,
	  NULL, NULL, "io.k8s.api.rbac.v1.Role" },
	{ "storage.k8s.io", "v1", "storageclasses", "storageclass",
	  "StorageClass", 0, ALL, 0, "sc", NULL,
	  "io.k8s.api.storage.v1.StorageClass" },
	{ "apiextensions.k8s.io", "v1", "customresourcedefinitions",
	  "customresourcedefinition", "CustomResourceDefinition", 0, ALL,
	  RT_STATUS | RT_GENERATION, "crd crds", "api-extensions",
	  "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
	  "CustomResourceDefinition" },
	{ "scheduling.k8s.io", "v1", "priorityclasses", "priorityclass",
	  "PriorityClass", 0, ALL, 0, "pc", NULL,
	  "io.k8s.api.scheduling.v1.PriorityClass" },
	{ "coordination.k8s.io", "v1", "leases", "lease", "Lease", 1, ALL, 0,
	  NULL, NULL, "io.k8s.api.coordination.v1.Lease" },
};

static void split_words(struct strvec *out, const char *words)
{
	const char *p = words;

	while (p && *p) {
		const char *sp = strchr(p, ' ');
		size_t n = sp ? (size_t)(sp - p) : strlen(p);
		char *w = xstrndup(p, n);

		strvec_push_nodup(out, w);
		p += n + (sp ? 1 : 0);
	}
}

static void add_type(struct sim *s, struct rtype *t)
{
	ALLOC_GROW(s->types, s->ntypes + 1, s->atypes);
	s->types[s->ntypes++] = t;
}

void types_init(struct sim *s)
{
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++) {
		const struct builtin *b = &builtins[i];
		struct rtype *t = xcalloc(1, sizeof(*t));

		t->group = xstrdup(b->group);
		t->version = xstrdup(b->version);
		t->resource = xstrdup(b->resource);
		t->singular = xstrdup(b->singular);
		t->kind = xstrdup(b->kind);
		t->list_kind = xasprintf("%sList", b->kind);
		t->namespaced = b->namespaced;
		t->verbs = b->verbs;
		t->flags = b->flags;
		split_words(&t->short_names, b->short_names);
		split_words(&t->categories, b->categories);
		t->def = b->def;
		add_type(s, t);
	}
}

static void rtype_free(struct rtype *t)
{
	free(t->group);
	free(t->version);
	free(t->resource);
	free(t->singular);
	free(t->kind);
	free(t->list_kind);
	strvec_clear(&t->short_names);
	strvec_clear(&t->categories);
	free(t->crd);
	json_decref(t->schema);
	free(t->storage_version);
	free(t->scale_spec);
	free(t->scale_status);
	free(t->scale_selector);
	free(t);
}

void types_free(struct sim *s)
{
	for (size_t i = 0; i < s->ntypes; i++)
		rtype_free(s->types[i]);
	free(s->types);
	s->types = NULL;
	s->ntypes = s->atypes = 0;
}

const struct rtype *types_find(struct sim *s, const char *group,
			       const char *version, const char *resource)
{
	for (size_t i = 0; i < s->ntypes; i++) {
		const struct rtype *t = s->types[i];

		if (!strcmp(t->group, group) && !strcmp(t->version, version) &&
		    !strcmp(t->resource, resource))
			return t;
	}
	return NULL;
}

const struct rtype *types_find_gr(struct sim *s, const char *gr)
{
	struct strbuf k = STRBUF_INIT;
	const struct rtype *found = NULL;

	for (size_t i = 0; i < s->ntypes && !found; i++) {
		const struct rtype *t = s->types[i];

		strbuf_reset(&k);
		types_gr(t, &k);
		if (strcmp(k.buf, gr))
			continue;
		/* the storage version when there are several */
		if (!t->storage_version ||
		    !strcmp(t->storage_version, t->version))
			found = t;
	}
	strbuf_release(&k);
	return found;
}

void types_gr(const struct rtype *t, struct strbuf *out)
{
	strbuf_addf(out, "%s/%s", t->group, t->resource);
}

void types_qualified(const struct rtype *t, struct strbuf *out)
{
	strbuf_addstr(out, t->resource);
	if (*t->group)
		strbuf_addf(out, ".%s", t->group);
}

void types_api_version(const struct rtype *t, struct strbuf *out)
{
	if (*t->group)
		strbuf_addf(out, "%s/%s", t->group, t->version);
	else
		strbuf_addstr(out, t->version);
}

static void remove_crd_types(struct sim *s, const char *crd_name)
{
	size_t j = 0;

	for (size_t i = 0; i < s->ntypes; i++) {
		if (s->types[i]->crd && !strcmp(s->types[i]->crd, crd_name))
			rtype_free(s->types[i]);
		else
			s->types[j++] = s->types[i];
	}
	s->ntypes = j;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void strings_of(struct strvec *out, const json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			strvec_push(out, json_string_value(v));
}

static int condition_true(const json_t *crd, const char *type)
{
	size_t i;
	json_t *c;

	json_array_foreach(jpath(crd, "status.conditions"), i, c)
		if (!strcmp(jstr(c, "type") ? jstr(c, "type") : "", type))
			return !strcmp(jstr(c, "status") ? jstr(c, "status")
							  : "", "True");
	return 0;
}

void types_set_crd(struct sim *s, const char *crd_name, const json_t *crd)
{
	const char *storage = NULL;
	size_t i;
	json_t *v;

	remove_crd_types(s, crd_name);
	s->types_gen++;
	if (!crd || !condition_true(crd, "Established") ||
	    jpath(crd, "metadata.deletionTimestamp"))
		return;
	json_array_foreach(jpath(crd, "spec.versions"), i, v)
		if (json_is_true(json_object_get(v, "storage")))
			storage = jstr(v, "name");
	json_array_foreach(jpath(crd, "spec.versions"), i, v) {
		const json_t *names = jpath(crd, "status.acceptedNames");
		struct rtype *t;
		const char *lk;

		if (!json_is_true(json_object_get(v, "served")))
			continue;
		if (!jstr(names, "plural"))
			names = jpath(crd, "spec.names");
		t = xcalloc(1, sizeof(*t));
		t->group = xstrdup(jstr(crd, "spec.group"));
		t->version = xstrdup(jstr(v, "name"));
		t->resource = xstrdup(jstr(names, "plural"));
		t->singular = xstrdup(jstr(names, "singular")
					      ? jstr(names, "singular") : "");
		t->kind = xstrdup(jstr(names, "kind"));
		lk = jstr(names, "listKind");
		t->list_kind = lk ? xstrdup(lk) : xasprintf("%sList", t->kind);
		t->namespaced = !strcmp(jstr(crd, "spec.scope")
						? jstr(crd, "spec.scope") : "",
					"Namespaced");
		t->verbs = VERBS_ALL;
		t->flags = RT_CUSTOM | RT_GENERATION;
		if (jpath(v, "subresources.status"))
			t->flags |= RT_STATUS;
		if (jpath(v, "subresources.scale")) {
			t->flags |= RT_SCALE;
			t->scale_spec = dup_or_null(
				jstr(v, "subresources.scale.specReplicasPath"));
			t->scale_status = dup_or_null(jstr(
				v, "subresources.scale.statusReplicasPath"));
			t->scale_selector = dup_or_null(jstr(
				v, "subresources.scale.labelSelectorPath"));
		}
		strings_of(&t->short_names, json_object_get(names, "shortNames"));
		strings_of(&t->categories, json_object_get(names, "categories"));
		t->crd = xstrdup(crd_name);
		t->schema = json_incref(jpath(v, "schema.openAPIV3Schema"));
		t->storage_version = xstrdup(storage ? storage : t->version);
		add_type(s, t);
	}
}
