/* Kind classes, hook phases and waves: where each object runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/apply/internal.h"
#include "pkg/base/mem.h"

struct class_kind {
	const char *group, *kind;
};

/* DESIGN.md's kind classes; anything not listed is class 7 (custom). */
static const struct class_kind class_kinds[NR_CLASSES - 1][10] = {
	{ { "", "Namespace" } },
	{ { "apiextensions.k8s.io", "CustomResourceDefinition" } },
	{ { "", "ServiceAccount" },
	  { "rbac.authorization.k8s.io", "ClusterRole" },
	  { "rbac.authorization.k8s.io", "ClusterRoleBinding" },
	  { "rbac.authorization.k8s.io", "Role" },
	  { "rbac.authorization.k8s.io", "RoleBinding" } },
	{ { "", "ConfigMap" },
	  { "", "Secret" },
	  { "", "ResourceQuota" },
	  { "", "LimitRange" },
	  { "scheduling.k8s.io", "PriorityClass" } },
	{ { "storage.k8s.io", "StorageClass" },
	  { "", "PersistentVolume" },
	  { "", "PersistentVolumeClaim" } },
	{ { "", "Service" },
	  { "", "Endpoints" },
	  { "networking.k8s.io", "NetworkPolicy" },
	  { "networking.k8s.io", "Ingress" },
	  { "networking.k8s.io", "IngressClass" } },
	{ { "apps", "Deployment" },
	  { "apps", "StatefulSet" },
	  { "apps", "DaemonSet" },
	  { "apps", "ReplicaSet" },
	  { "", "Pod" },
	  { "batch", "Job" },
	  { "batch", "CronJob" },
	  { "policy", "PodDisruptionBudget" },
	  { "autoscaling", "HorizontalPodAutoscaler" } },
};

int apply_class(const char *group, const char *kind)
{
	for (int c = 0; c < NR_CLASSES - 1; c++)
		for (int i = 0; i < 10 && class_kinds[c][i].kind; i++)
			if (!strcmp(class_kinds[c][i].group, group) &&
			    !strcmp(class_kinds[c][i].kind, kind))
				return c;
	return NR_CLASSES - 1;
}

const char *apply_class_name(int cls)
{
	static const char *const names[NR_CLASSES] = {
		"namespaces", "crds", "rbac", "config",
		"storage", "network", "workloads", "custom",
	};
	return cls >= 0 && cls < NR_CLASSES ? names[cls] : "custom";
}

static const char *meta_string(const json_t *obj, const char *map,
			       const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "metadata"), map), key));
}

const char *annotation_of(const json_t *obj, const char *key)
{
	return meta_string(obj, "annotations", key);
}

const char *label_of(const json_t *obj, const char *key)
{
	return meta_string(obj, "labels", key);
}

int wants_replace(const json_t *obj)
{
	const char *v = annotation_of(obj, REPLACE_ANNOTATION);
	return v && !strcmp(v, "true");
}

int place_of(const json_t *obj, struct place *p, struct gerr *err)
{
	const char *hook = annotation_of(obj, HOOK_ANNOTATION);
	const char *wave = annotation_of(obj, WAVE_ANNOTATION);
	const char *replace = annotation_of(obj, REPLACE_ANNOTATION);
	const char *prune = annotation_of(obj, PRUNE_ANNOTATION);
	char group[256];

	p->hook = HOOK_MAIN;
	p->wave = 0;
	if (hook && !strcmp(hook, "pre"))
		p->hook = HOOK_PRE;
	else if (hook && !strcmp(hook, "post"))
		p->hook = HOOK_POST;
	else if (hook)
		return gerr_setc(err, GERR_INPUT,
				 "annotation %s: \"%s\" is neither \"pre\" nor "
				 "\"post\"",
				 HOOK_ANNOTATION, hook);
	if (wave) {
		char *end;
		errno = 0;
		p->wave = strtol(wave, &end, 10);
		if (!*wave || *end || errno || p->wave < -1000000 ||
		    p->wave > 1000000)
			return gerr_setc(err, GERR_INPUT,
					 "annotation %s: \"%s\" is not an "
					 "integer (-1000000 to 1000000)",
					 WAVE_ANNOTATION, wave);
	}
	if (replace && strcmp(replace, "true") && strcmp(replace, "false"))
		return gerr_setc(err, GERR_INPUT,
				 "annotation %s: \"%s\" is neither \"true\" nor "
				 "\"false\"",
				 REPLACE_ANNOTATION, replace);
	if (prune && strcmp(prune, "disabled"))
		return gerr_setc(err, GERR_INPUT,
				 "annotation %s: \"%s\" is not \"disabled\"",
				 PRUNE_ANNOTATION, prune);
	p->cls = apply_class(obj_group(obj, group, sizeof(group)),
			     obj_kind(obj));
	return 0;
}

int place_cmp(const struct place *a, const struct place *b)
{
	if (a->hook != b->hook)
		return a->hook < b->hook ? -1 : 1;
	if (a->wave != b->wave)
		return a->wave < b->wave ? -1 : 1;
	if (a->cls != b->cls)
		return a->cls < b->cls ? -1 : 1;
	return 0;
}

const struct merge_type *type_of(const json_t *obj)
{
	char group[256];

	return merge_schema_lookup(merge_schema_builtin(),
				   obj_group(obj, group, sizeof(group)),
				   obj_kind(obj));
}

json_t *with_app_label(const json_t *obj, const char *app)
{
	const char *have = label_of(obj, APP_LABEL);
	json_t *copy, *md, *labels;

	if (have && !strcmp(have, app))
		return json_incref((json_t *)obj);
	copy = json_deep_copy(obj);
	md = json_object_get(copy, "metadata");
	labels = json_object_get(md, "labels");
	if (!json_is_object(labels)) {
		labels = json_object();
		json_object_set_new(md, "labels", labels);
	}
	json_object_set_new(labels, APP_LABEL, json_string(app));
	return copy;
}

char *ref_identity(const char *group, const char *kind, const char *ns,
		   const char *name)
{
	return xasprintf("%s/%s/%s/%s", group ? group : "", kind,
			 ns ? ns : "", name);
}
