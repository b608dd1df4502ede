/*
 * pkg/apply without a cluster (tests/apply.bats runs it against
 * kubesim): the last-applied annotation against what kubectl wrote
 * (testdata/apply/last-applied.test), patch overlaps
 * (testdata/apply/overlap.test), kind classes and annotations, the
 * inventory's packing, digests, and the comparison of saved plans.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/apply/internal.h"
#include "pkg/base/mem.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static void last_applied_case(const struct tcase *c, void *data)
{
	json_t *obj = case_value(c, "object");
	const char *want = case_section(c, "annotation");
	char *got = obj ? apply_last_applied(obj) : NULL;

	(void)data;
	t_str(got ? got : "(no object)", want ? want : "(no annotation)",
	      "%s", c->name);
	free(got);
	json_decref(obj);
}

/* "apiVersion Kind" to the merge type gantry plans with */
static const struct merge_type *case_type(const struct tcase *c)
{
	char *k = case_text(c, "kind");
	char *sp = k ? strchr(k, ' ') : NULL;
	const struct merge_type *t = NULL;

	if (sp) {
		*sp = '\0';
		json_t *o = json_pack("{s:s, s:s}", "apiVersion", k, "kind",
				      sp + 1);
		t = type_of(o);
		json_decref(o);
	}
	free(k);
	return t;
}

static void overlap_case(const struct tcase *c, void *data)
{
	json_t *a = case_value(c, "a"), *b = case_value(c, "b");
	char *want = case_text(c, "overlap");
	const struct merge_type *t = case_type(c);

	(void)data;
	t_str(patches_overlap(t, a, b) ? "yes" : "no", want ? want : "?",
	      "%s", c->name);
	t_str(patches_overlap(t, b, a) ? "yes" : "no", want ? want : "?",
	      "%s (the other way round)", c->name);
	free(want);
	json_decref(a);
	json_decref(b);
}

static void test_classes(void)
{
	static const struct {
		const char *group, *kind, *name;
	} cases[] = {
		{ "", "Namespace", "namespaces" },
		{ "apiextensions.k8s.io", "CustomResourceDefinition", "crds" },
		{ "rbac.authorization.k8s.io", "RoleBinding", "rbac" },
		{ "", "ServiceAccount", "rbac" },
		{ "scheduling.k8s.io", "PriorityClass", "config" },
		{ "", "Secret", "config" },
		{ "", "PersistentVolume", "storage" },
		{ "networking.k8s.io", "IngressClass", "network" },
		{ "", "Endpoints", "network" },
		{ "autoscaling", "HorizontalPodAutoscaler", "workloads" },
		{ "policy", "PodDisruptionBudget", "workloads" },
		{ "batch", "CronJob", "workloads" },
		/* a Service of another group is a custom resource */
		{ "serving.knative.dev", "Service", "custom" },
		{ "example.com", "Widget", "custom" },
		{ "", "Event", "custom" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		t_str(apply_class_name(apply_class(cases[i].group,
						   cases[i].kind)),
		      cases[i].name, "class of %s/%s", cases[i].group,
		      cases[i].kind);
}

static json_t *annotated(const char *key, const char *value)
{
	return json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1",
			 "kind", "ConfigMap", "metadata", "name", "c",
			 "annotations", key, value);
}

static void test_places(void)
{
	static const struct {
		const char *key, *value, *error;
		int hook;
		long wave;
	} cases[] = {
		{ HOOK_ANNOTATION, "pre", NULL, HOOK_PRE, 0 },
		{ HOOK_ANNOTATION, "post", NULL, HOOK_POST, 0 },
		{ HOOK_ANNOTATION, "PreSync",
		  "annotation gantry.dev/hook: \"PreSync\" is neither \"pre\" "
		  "nor \"post\"", 0, 0 },
		{ WAVE_ANNOTATION, "-3", NULL, HOOK_MAIN, -3 },
		{ WAVE_ANNOTATION, "2x",
		  "annotation gantry.dev/wave: \"2x\" is not an integer "
		  "(-1000000 to 1000000)", 0, 0 },
		{ WAVE_ANNOTATION, "", "annotation gantry.dev/wave: \"\" is not "
		  "an integer (-1000000 to 1000000)", 0, 0 },
		{ REPLACE_ANNOTATION, "yes", "annotation gantry.dev/replace: "
		  "\"yes\" is neither \"true\" nor \"false\"", 0, 0 },
		{ PRUNE_ANNOTATION, "false", "annotation gantry.dev/prune: "
		  "\"false\" is not \"disabled\"", 0, 0 },
		{ PRUNE_ANNOTATION, "disabled", NULL, HOOK_MAIN, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		json_t *o = annotated(cases[i].key, cases[i].value);
		struct gerr err = GERR_INIT;
		struct place p;
		int rc = place_of(o, &p, &err);

		if (cases[i].error) {
			t_int(rc, -1, "%s: %s refused", cases[i].key,
			      cases[i].value);
			t_str(gerr_msg(&err), cases[i].error, "its message");
		} else {
			t_int(rc, 0, "%s: %s", cases[i].key, cases[i].value);
			t_int(p.hook, cases[i].hook, "%s: %s: hook",
			      cases[i].key, cases[i].value);
			t_int(p.wave, cases[i].wave, "%s: %s: wave",
			      cases[i].key, cases[i].value);
		}
		gerr_clear(&err);
		json_decref(o);
	}
	json_t *o = annotated(REPLACE_ANNOTATION, "true");
	t_ok(wants_replace(o), "gantry.dev/replace: \"true\"");
	json_decref(o);
}

static void test_pack(void)
{
	struct strbuf big = STRBUF_INIT;
	char *packed, *back;

	for (int i = 0; i < 5000; i++)
		strbuf_addf(&big, "{\"field%d\": \"a description\"}\n", i);
	packed = pack_text(big.buf);
	back = unpack_text(packed);
	t_str(back, big.buf, "gzip and base64 read back");
	t_ok(strlen(packed) * 5 < big.len,
	     "a repetitive text packs to less than a fifth (%zu of %zu)",
	     strlen(packed), big.len);
	t_ok(!unpack_text("bm90IGd6aXA="), "base64 that is not gzip");
	t_ok(!unpack_text("a"), "not base64");
	free(packed);
	free(back);
	strbuf_release(&big);
}

static void test_sizes(void)
{
	json_t *o = json_pack("{s:{s:{s:s, s:s}}}", "metadata", "annotations",
			      "ab", "cde", "x", "");

	/* keys and values, as the API server counts them */
	t_int((long long)annotations_size(o), 6, "annotations size");
	json_decref(o);
}

/* A change as diff_compute leaves it, enough for the comparison. */
static void push(struct diff_set *set, const char *id, enum diff_action a,
		 const char *uid, const char *path, const char *after)
{
	struct diff_change *ch = diff_set_push(set);

	ch->id = xstrdup(id);
	ch->action = a;
	ch->uid = uid ? xstrdup(uid) : NULL;
	if (path) {
		ch->paths = xcalloc(1, sizeof(*ch->paths));
		ch->nr_paths = 1;
		ch->paths[0].path = xstrdup(path);
		ch->paths[0].op = DIFF_OP_REPLACE;
		ch->paths[0].before = json_string("old");
		ch->paths[0].after = json_string(after);
		ch->patch = json_pack("{s:{s:s}}", "data", "mode", after);
	}
}

static void test_compare(void)
{
	struct diff_set a = DIFF_SET_INIT, b = DIFF_SET_INIT;
	struct gerr err = GERR_INIT;

	push(&a, "ConfigMap/x/c", DIFF_UPDATE, NULL, "/data/mode", "fast");
	push(&a, "ConfigMap/x/d", DIFF_DELETE, "u1", NULL, NULL);
	push(&a, "ConfigMap/x/e", DIFF_UNCHANGED, NULL, NULL, NULL);
	push(&b, "ConfigMap/x/e", DIFF_UNCHANGED, NULL, NULL, NULL);
	push(&b, "ConfigMap/x/d", DIFF_DELETE, "u1", NULL, NULL);
	push(&b, "ConfigMap/x/c", DIFF_UPDATE, NULL, "/data/mode", "fast");
	t_int(apply_compare_plans(&a, &b, &err), 0,
	      "the same changes in another order");
	diff_set_clear(&b);
	push(&b, "ConfigMap/x/c", DIFF_UPDATE, NULL, "/data/mode", "slow");
	push(&b, "ConfigMap/x/d", DIFF_DELETE, "u2", NULL, NULL);
	push(&b, "ConfigMap/x/f", DIFF_CREATE, NULL, NULL, NULL);
	t_int(apply_compare_plans(&a, &b, &err), -1, "changes that differ");
	t_str(gerr_msg(&err),
	      "the cluster changed since the plan was made, 4 objects would "
	      "change differently: ConfigMap/x/c (planned: update, now: other "
	      "changes); ConfigMap/x/d (planned: delete, now: other changes); "
	      "ConfigMap/x/e (planned: unchanged, now: nothing); ConfigMap/x/f "
	      "(planned: nothing, now: create); make a new plan",
	      "the message names each");
	t_int(err.code, GERR_CONFLICT, "a conflict");
	gerr_clear(&err);
	diff_set_clear(&a);
	diff_set_clear(&b);
}

static void test_digest(void)
{
	struct diff_set a = DIFF_SET_INIT;
	char *d1, *d2;

	diff_set_push(&a)->desired = json_pack("{s:s, s:s}", "b", "1", "a", "2");
	d1 = apply_digest(&a);
	json_decref(a.v[0].desired);
	/* the same object with its keys in another order */
	a.v[0].desired = json_pack("{s:s, s:s}", "a", "2", "b", "1");
	d2 = apply_digest(&a);
	t_int((long long)strlen(d1), 23, "sha256: and 16 hex digits");
	t_ok(!strncmp(d1, "sha256:", 7), "the sha256: prefix");
	t_str(d2, d1, "the order of keys does not matter");
	free(d1);
	free(d2);
	diff_set_clear(&a);
}

static void test_inventory_find(void)
{
	struct apply_inventory inv = APPLY_INVENTORY_INIT;
	const struct apply_ref *r;

	inventory_add(&inv, "v1", "ConfigMap", "b", "x", "u1", "r", NULL);
	inventory_add(&inv, "apps/v1", "Deployment", "a", "web", NULL, "r",
		      NULL);
	inventory_add(&inv, "v1", "Namespace", NULL, "a", "u3", "r", "{}");
	inventory_sort(&inv);
	r = inventory_find(&inv, "apps", "Deployment", "a", "web");
	t_ok(r && !r->uid && !strcmp(r->group, "apps"),
	     "an entry without uid, its group from apiVersion");
	r = inventory_find(&inv, "", "Namespace", "", "a");
	t_ok(r && !strcmp(r->last_applied, "{}"), "a cluster-scoped entry");
	t_ok(!inventory_find(&inv, "", "ConfigMap", "a", "x"),
	     "another namespace is another object");
	t_str(inv.v[0].kind, "ConfigMap", "sorted: the core group first");
	apply_inventory_clear(&inv);
	char *name = apply_inventory_name("shop");
	t_str(name, "gantry-inventory-shop", "the inventory's name");
	free(name);
}

/* testdata/apply holds both kinds of case: the sections tell which */
static void apply_case(const struct tcase *c, void *data)
{
	if (case_section(c, "overlap"))
		overlap_case(c, data);
	else
		last_applied_case(c, data);
}

int main(void)
{
	mem_init();
	cases_run_dir("apply", apply_case, NULL);
	test_classes();
	test_places();
	test_pack();
	test_sizes();
	test_compare();
	test_digest();
	test_inventory_find();
	return t_done();
}
