/*
 * pkg/merge, driven by the case files testdata/merge/NAME.test (format in
 * tests/unit/cases.h). The sections a case has say what it tests:
 *
 *   doc + ops + result|error        RFC 6902 JSON patch
 *   doc + ops-invalid               a patch text that must not parse
 *   doc + merge-patch + result      RFC 7386 JSON merge patch
 *   type + object + patch            strategic merge patch, applied
 *     + result|error
 *   type + [last] + desired + live   the three-way patch of kubectl apply,
 *     + expect-patch|error            and what applying it to live gives
 *     [+ result]
 *
 * "type" is "APIVERSION KIND" (the built-in schema's type for it; a kind
 * it does not know is a custom resource) or "none". A "flags" section
 * "server" applies with MERGE_AS_SERVER. "error" sections hold the exact
 * message. "kubectl" sections are for test_merge_kubectl.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static void check_error(const struct tcase *c, const char *got_msg,
			json_t *got, const char *what)
{
	char *want = case_text(c, "error");
	t_str(got ? "(no error)" : got_msg, want, "%s: %s error", c->name,
	      what);
	free(want);
}

static void json_patch_case(const struct tcase *c)
{
	json_t *doc = case_value(c, "doc");
	struct gerr err = GERR_INIT;

	if (case_section(c, "ops-invalid")) {
		json_error_t je;
		json_t *ops = json_loads(case_section(c, "ops-invalid"),
					 JSON_REJECT_DUPLICATES, &je);
		t_ok(!ops, "%s: the patch text is rejected (%s)", c->name,
		     ops ? "it parsed" : je.text);
		json_decref(ops);
		json_decref(doc);
		return;
	}
	json_t *ops = case_value(c, "ops");
	json_t *copy = json_deep_copy(doc);
	json_t *got = merge_apply_json_patch(doc, ops, &err);
	if (case_section(c, "error")) {
		check_error(c, gerr_msg(&err), got, "JSON patch");
	} else {
		json_t *want = case_value(c, "result");
		t_json(got, want, "%s: JSON patch", c->name);
		if (!got)
			t_diag("%s", gerr_msg(&err));
		json_decref(want);
	}
	t_json(doc, copy, "%s: the document is left unchanged", c->name);
	json_decref(got);
	json_decref(copy);
	json_decref(ops);
	json_decref(doc);
	gerr_clear(&err);
}

static void merge_patch_case(const struct tcase *c)
{
	json_t *doc = case_value(c, "doc");
	json_t *patch = case_value(c, "merge-patch");
	json_t *want = case_value(c, "result");
	json_t *got = merge_apply_merge_patch(doc, patch);

	t_json(got, want, "%s: merge patch", c->name);
	json_decref(got);
	json_decref(want);
	json_decref(patch);
	json_decref(doc);
}

/* The type a case names: "apps/v1 Deployment", or "none". */
static const struct merge_type *case_type(const struct tcase *c)
{
	char *text = case_text(c, "type");
	char group[256] = "", kind[256] = "";
	const struct merge_type *t = NULL;

	if (!text) {
		t_ok(0, "%s (%s:%d): no type section", c->name, c->file, c->line);
		return NULL;
	}
	if (strcmp(text, "none") &&
	    sscanf(text, "%255s %255s", group, kind) == 2) {
		char *slash = strrchr(group, '/');
		if (slash)
			*slash = 0;
		else
			group[0] = 0; /* "v1": the core group */
		t = merge_schema_lookup(merge_schema_builtin(), group, kind);
	}
	free(text);
	return t;
}

static void strategic_case(const struct tcase *c)
{
	const struct merge_type *t = case_type(c);
	json_t *obj = case_value(c, "object");
	json_t *patch = case_value(c, "patch");
	json_t *obj_copy = json_deep_copy(obj), *patch_copy = json_deep_copy(patch);
	struct gerr err = GERR_INIT;

	char *flags = case_text(c, "flags");
	json_t *got = flags && !strcmp(flags, "server") ?
			      merge_apply_strategic_flags(t, obj, patch,
							  MERGE_AS_SERVER, &err) :
			      merge_apply_strategic(t, obj, patch, &err);
	free(flags);
	if (case_section(c, "error")) {
		check_error(c, gerr_msg(&err), got, "strategic merge patch");
	} else {
		json_t *want = case_value(c, "result");
		t_json(got, want, "%s: strategic merge patch", c->name);
		if (!got)
			t_diag("%s", gerr_msg(&err));
		json_decref(want);
	}
	t_ok(json_equal(obj, obj_copy) && json_equal(patch, patch_copy),
	     "%s: the object and the patch are left unchanged", c->name);
	json_decref(got);
	json_decref(obj_copy);
	json_decref(patch_copy);
	json_decref(obj);
	json_decref(patch);
	gerr_clear(&err);
}

static void three_way_case(const struct tcase *c)
{
	const struct merge_type *t = case_type(c);
	json_t *last = case_value(c, "last");
	json_t *desired = case_value(c, "desired");
	json_t *live = case_value(c, "live");
	json_t *copies = json_pack("[OOO]", last ? last : json_null(), desired,
				   live);
	json_t *want = case_value(c, "expect-patch");
	json_t *result = case_value(c, "result");
	struct gerr err = GERR_INIT;

	json_t *got = merge_three_way_patch(t, last, desired, live, &err);
	if (case_section(c, "error")) {
		check_error(c, gerr_msg(&err), got, "three-way");
	} else {
		t_json(got, want, "%s: three-way patch", c->name);
		if (!got)
			t_diag("%s", gerr_msg(&err));
	}
	json_t *now = json_pack("[OOO]", last ? last : json_null(), desired,
				live);
	t_json(now, copies, "%s: the three inputs are left unchanged", c->name);
	json_decref(now);
	if (result && want) {
		/* what the server makes of the patch kubectl would send */
		json_t *applied = merge_apply_strategic(t, live, want, &err);
		t_json(applied, result, "%s: the patch applied to live", c->name);
		if (!applied)
			t_diag("%s", gerr_msg(&err));
		json_decref(applied);
	}
	json_decref(got);
	json_decref(result);
	json_decref(want);
	json_decref(copies);
	json_decref(live);
	json_decref(desired);
	json_decref(last);
	gerr_clear(&err);
}

static void run_case(const struct tcase *c, void *data)
{
	if (case_section(c, "ops") || case_section(c, "ops-invalid"))
		json_patch_case(c);
	else if (case_section(c, "merge-patch"))
		merge_patch_case(c);
	else if (case_section(c, "patch"))
		strategic_case(c);
	else if (case_section(c, "desired"))
		three_way_case(c);
	else
		t_ok(0, "%s (%s:%d): no section says what to test", c->name,
		     c->file, c->line);
}

/* --- schemas --------------------------------------------------------- */

static void field_is(const struct merge_type *t, const char *path, int rc,
		     const char *strategy, const char *key, const char *what)
{
	const char *s = "(unset)", *k = "(unset)";
	int got = merge_type_field(t, path, &s, &k);
	t_int(got, rc, "%s: field %s is %s", what, path,
	      rc ? "unknown" : "known");
	if (rc == 0 && got == 0) {
		t_str(s, strategy, "%s: strategy of %s", what, path);
		t_str(k, key, "%s: merge key of %s", what, path);
	}
}

static const struct merge_type *builtin(const char *group, const char *kind)
{
	return merge_schema_lookup(merge_schema_builtin(), group, kind);
}

static int find_path(const char *path, const char *strategy,
		     const char *key, void *data)
{
	return !strcmp(path, data) ? 7 : 0;
}

static int mark_kind(const char *group, const char *kind,
		     const struct merge_type *t, void *data)
{
	json_t *seen = data;
	json_object_set_new(seen, kind, json_string(group));
	return 0;
}

static void test_builtin(void)
{
	const struct merge_type *d = builtin("apps", "Deployment");
	const char *w = "builtin Deployment";

	t_ok(d != NULL, "builtin: apps/Deployment is known");
	field_is(d, "/spec/template/spec/containers", 0, "merge", "name", w);
	field_is(d, "/spec/template/spec/containers/ports", 0, "merge",
		 "containerPort", w);
	field_is(d, "/spec/template/spec/volumes", 0, "merge,retainKeys",
		 "name", w);
	field_is(d, "/spec/template/spec/tolerations", 0, NULL, NULL, w);
	field_is(d, "/spec/strategy", 0, "retainKeys", NULL, w);
	field_is(d, "/metadata/finalizers", 0, "merge", NULL, w);
	field_is(d, "/spec/template/metadata/ownerReferences", 0, "merge",
		 "uid", w);
	field_is(d, "/spec/template", 0, NULL, NULL, w);
	field_is(d, "/spec/replicas", -1, NULL, NULL, w);
	field_is(d, "/metadata/finalizers/x", -1, NULL, NULL, w);
	field_is(d, "", -1, NULL, NULL, w);
	field_is(d, "spec", -1, NULL, NULL, w);
	field_is(NULL, "/spec", -1, NULL, NULL, "a NULL type");
	field_is(builtin("policy", "PodDisruptionBudget"), "/spec/selector", 0,
		 "replace", NULL, "builtin PodDisruptionBudget");
	field_is(builtin("batch", "CronJob"),
		 "/spec/jobTemplate/spec/template/spec/initContainers/env", 0,
		 "merge", "name", "builtin CronJob");
	field_is(builtin("", "Service"), "/spec/ports", 0, "merge", "port",
		 "builtin Service");
	field_is(builtin("", "ConfigMap"), "/metadata/finalizers", 0, "merge",
		 NULL, "builtin ConfigMap");
	field_is(builtin("", "ConfigMap"), "/data", -1, NULL, NULL,
		 "builtin ConfigMap");

	t_ok(builtin(NULL, "Pod") && builtin(NULL, "Pod") == builtin("", "Pod"),
	     "builtin: a NULL group is the core group");
	t_ok(!builtin("", "Deployment"), "builtin: Deployment is not in the core group");
	t_ok(!builtin("example.com", "Widget"),
	     "builtin: a custom resource is unknown (JSON merge patch rules)");

	/* every kind kubesim serves (issue 3) */
	static const char *const served[] = {
		"Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service",
		"Endpoints", "PersistentVolumeClaim", "PersistentVolume", "Pod",
		"Event", "ResourceQuota", "LimitRange", "Deployment",
		"StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob",
		"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
		"StorageClass", "PodDisruptionBudget", "Ingress", "IngressClass",
		"NetworkPolicy", "HorizontalPodAutoscaler", "PriorityClass",
		"Lease", "CustomResourceDefinition", "APIService", NULL,
	};
	json_t *seen = json_object();
	t_int(merge_schema_foreach_kind(merge_schema_builtin(), mark_kind, seen),
	      0, "builtin: every kind visited");
	for (int i = 0; served[i]; i++)
		t_ok(json_object_get(seen, served[i]) != NULL,
		     "builtin: kubesim's kind %s is in the table", served[i]);
	json_decref(seen);

	t_int(merge_type_walk(d, find_path, "/spec/template/spec/containers/env"),
	      7, "builtin: the walk reaches container env and stops there");
	t_int(merge_type_walk(d, find_path, "/nowhere"), 0,
	      "builtin: the walk visits everything and returns 0");
	t_int(merge_type_walk(NULL, find_path, "/x"), 0,
	      "builtin: walking no type visits nothing");
}

static json_t *load_openapi(void)
{
	char *path = xasprintf("%s/merge/openapi-v2.json", t_testdata());
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		t_diag("%s: %s", path, je.text);
	free(path);
	return doc;
}

static void test_openapi(void)
{
	struct gerr err = GERR_INIT;
	json_t *doc = load_openapi();
	struct merge_schema *s = merge_schema_from_openapi(doc, &err);
	const char *w = "OpenAPI Deployment";

	t_ok(s != NULL, "OpenAPI: the document is read");
	if (!s) {
		t_diag("%s", gerr_msg(&err));
		json_decref(doc);
		gerr_clear(&err);
		return;
	}
	const struct merge_type *d = merge_schema_lookup(s, "apps", "Deployment");
	field_is(d, "/spec/template/spec/containers", 0, "merge", "name", w);
	field_is(d, "/spec/template/spec/containers/env", 0, "merge", "name", w);
	field_is(d, "/spec/template/spec/volumes", 0, "merge,retainKeys",
		 "name", w);
	field_is(d, "/spec/strategy", 0, "retainKeys", NULL, w);
	field_is(d, "/spec/replicas", 0, NULL, NULL, w);
	field_is(d, "/spec/template/spec/overhead/cpu", 0, NULL, NULL, w);
	field_is(d, "/spec/old", -1, NULL, NULL,
		 "OpenAPI Deployment (v1 wins over v1beta1)");
	field_is(d, "/metadata/finalizers", 0, "merge", NULL, w);

	const struct merge_type *g =
		merge_schema_lookup(s, "example.com", "Gadget");
	w = "OpenAPI Gadget";
	field_is(g, "/parts", 0, "merge", "id", w);
	field_is(g, "/schema/properties/a/items/properties/b/items", 0, NULL,
		 NULL, w);
	t_int(merge_type_walk(g, find_path, "/nowhere"), 0,
	      "OpenAPI: walking a recursive definition ends");

	json_t *obj = json_pack("{s:[{s:s,s:i},{s:s,s:i}]}", "parts", "id", "a",
				"size", 1, "id", "b", "size", 2);
	json_t *patch = json_pack("{s:[{s:s,s:i}]}", "parts", "id", "b", "size", 3);
	json_t *want = json_pack("{s:[{s:s,s:i},{s:s,s:i}]}", "parts", "id",
				 "a", "size", 1, "id", "b", "size", 3);
	json_t *got = merge_apply_strategic(g, obj, patch, &err);
	t_json(got, want, "OpenAPI: a kind's own merge key is used");
	json_decref(got);
	json_decref(want);
	json_decref(patch);
	json_decref(obj);

	field_is(merge_schema_lookup(s, "", "Service"), "/spec/ports", 0,
		 "merge", "port", "OpenAPI falls back to the built-in Service");
	t_ok(!merge_schema_lookup(s, "example.com", "Widget"),
	     "OpenAPI: a kind neither describes stays unknown");
	merge_schema_free(s);
	merge_schema_free(NULL);

	/* errors */
	json_object_set_new(json_object_get(json_object_get(json_object_get(
		json_object_get(doc, "definitions"), "io.k8s.api.core.v1.PodSpec"),
		"properties"), "tolerations"),
		"x-kubernetes-patch-strategy", json_string("merge,sort"));
	s = merge_schema_from_openapi(doc, &err);
	t_str(s ? "(read)" : gerr_msg(&err),
	      "OpenAPI v2: definitions/io.k8s.api.core.v1.PodSpec/properties/tolerations: "
	      "unknown x-kubernetes-patch-strategy \"merge,sort\"",
	      "OpenAPI: an unknown strategy is an error");
	merge_schema_free(s);
	gerr_clear(&err);
	json_t *empty = json_object();
	s = merge_schema_from_openapi(empty, &err);
	t_str(s ? "(read)" : gerr_msg(&err),
	      "OpenAPI v2: the document has no \"definitions\" object",
	      "OpenAPI: a document without definitions is an error");
	merge_schema_free(s);
	json_decref(empty);
	json_decref(doc);
	gerr_clear(&err);
}

static void test_equal(void)
{
	json_t *a = json_pack("{s:i,s:[f,b,n],s:{s:s}}", "n", 1, "l", 2.0, 1,
			      "o", "k", "v");
	json_t *b = json_pack("{s:{s:s},s:[i,b,n],s:f}", "o", "k", "v", "l", 2,
			      1, "n", 1.0);
	json_t *c = json_pack("[i,i]", 1, 2), *d = json_pack("[i,i]", 2, 1);
	t_ok(merge_json_equal(a, b), "equal: numbers by value, members in any order");
	t_ok(!merge_json_equal(c, d), "equal: lists in order");
	json_t *one = json_string("1");
	t_ok(!merge_json_equal(json_object_get(a, "n"), one),
	     "equal: a number is not a string");
	json_decref(one);
	t_ok(merge_json_equal(NULL, NULL) && !merge_json_equal(a, NULL),
	     "equal: NULL equals only NULL");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}

int main(void)
{
	mem_init();
	cases_run_dir("merge", run_case, NULL);
	test_builtin();
	test_openapi();
	test_equal();
	return t_done();
}
