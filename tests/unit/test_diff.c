/*
 * pkg/diff, driven by the case files testdata/diff/NAME.test (format in
 * tests/unit/cases.h). The sections a case has say what it tests:
 *
 *   a + b + diff             unified_diff (the expected output is GNU
 *                            diff -u's, headers left out)
 *   desired + [live] +       diff_compute: the action, every changed path
 *     [rules] + action         ("OP PATH [BEFORE] [AFTER]", values as
 *     + paths + diff           compact JSON) and the unified diff; with
 *     [+ patch]                "patch" also the patch apply would send
 *   desired + live + error   diff_compute fails with exactly this message
 *   live + [rules] + delete  diff_delete: its diff
 *
 * The merge type is the built-in schema's for the desired object's group
 * and kind (none, i.e. JSON merge patch rules, for a custom resource).
 * "rules" holds what an app spec's ignoreDifferences and sensitive lists
 * hold. Then the parts without case files: quantities, rules errors, the
 * text and JSON writers, saved plans.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/diff/diff.h"
#include "pkg/diff/internal.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

/* t_json, with two NULLs equal */
static void same_json(const json_t *got, const json_t *want, const char *what,
		      size_t i)
{
	if (!got && !want)
		t_ok(1, "object %zu: %s (none)", i, what);
	else
		t_json(got, want, "object %zu: %s", i, what);
}

static char *case_text_nl(const struct tcase *c, const char *name)
{
	const char *s = case_section(c, name);
	return s ? xstrdup(s) : NULL;
}

static void unified_case(const struct tcase *c)
{
	struct strbuf out = STRBUF_INIT;
	char *want = case_text_nl(c, "diff");

	unified_diff(case_section(c, "a"), case_section(c, "b"), 3, &out);
	t_str(out.buf, want ? want : "", "%s: unified diff", c->name);
	free(want);
	strbuf_release(&out);
}

static struct diff_rules *case_rules(const struct tcase *c)
{
	json_t *doc = case_value(c, "rules");
	struct diff_rules *r = diff_rules_new();
	struct gerr err = GERR_INIT;

	if (doc && diff_rules_add_json(r, doc, "rules", &err) < 0)
		t_ok(0, "%s: rules: %s", c->name, gerr_msg(&err));
	gerr_clear(&err);
	json_decref(doc);
	return r;
}

static const struct merge_type *type_of(const json_t *obj)
{
	char group[256];
	return merge_schema_lookup(merge_schema_builtin(),
				   obj_group(obj, group, sizeof(group)),
				   obj_kind(obj));
}

static void format_paths(const struct diff_change *ch, struct strbuf *out)
{
	for (size_t i = 0; i < ch->nr_paths; i++) {
		const struct diff_path *p = &ch->paths[i];
		strbuf_addf(out, "%s %s", diff_op_name(p->op), p->path);
		for (int side = 0; side < 2; side++) {
			json_t *v = side ? p->after : p->before;
			char *s;
			if (!v)
				continue;
			s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
						  JSON_ENCODE_ANY);
			strbuf_addf(out, " %s", s);
			free(s);
		}
		strbuf_addch(out, '\n');
	}
}

static void compute_case(const struct tcase *c)
{
	json_t *desired = case_value(c, "desired");
	json_t *live = case_value(c, "live");
	json_t *live_copy = json_deep_copy(live);
	json_t *desired_copy = json_deep_copy(desired);
	struct diff_rules *rules = case_rules(c);
	struct diff_set set = DIFF_SET_INIT;
	struct diff_change *ch = diff_set_push(&set);
	struct gerr err = GERR_INIT;
	int rc = diff_compute(desired, live, type_of(desired), rules, ch, &err);

	if (case_section(c, "error")) {
		char *want = case_text(c, "error");
		t_str(rc < 0 ? gerr_msg(&err) : "(no error)", want, "%s: error",
		      c->name);
		free(want);
		goto out;
	}
	if (rc < 0) {
		t_ok(0, "%s: %s", c->name, gerr_msg(&err));
		goto out;
	}
	char *want_action = case_text(c, "action");
	t_str(diff_action_name(ch->action), want_action, "%s: action",
	      c->name);
	free(want_action);

	struct strbuf paths = STRBUF_INIT;
	char *want_paths = case_text_nl(c, "paths");
	format_paths(ch, &paths);
	t_str(paths.buf, want_paths ? want_paths : "", "%s: paths", c->name);
	free(want_paths);
	strbuf_release(&paths);

	char *want_diff = case_text_nl(c, "diff");
	t_str(ch->diff ? ch->diff : "", want_diff ? want_diff : "",
	      "%s: diff", c->name);
	free(want_diff);

	if (case_section(c, "patch")) {
		json_t *want = case_value(c, "patch");
		t_json(ch->patch, want, "%s: patch", c->name);
		json_decref(want);
	}
	if (live)
		t_json(live, live_copy, "%s: live is left as it was", c->name);
	t_json(desired, desired_copy, "%s: desired is left as it was",
	       c->name);
out:
	diff_set_clear(&set);
	diff_rules_free(rules);
	json_decref(desired);
	json_decref(desired_copy);
	json_decref(live);
	json_decref(live_copy);
	gerr_clear(&err);
}

static void delete_case(const struct tcase *c)
{
	json_t *live = case_value(c, "live");
	struct diff_rules *rules = case_rules(c);
	struct diff_change ch;
	char *want = case_text_nl(c, "delete");

	memset(&ch, 0, sizeof(ch));
	diff_delete(live, rules, &ch);
	t_str(diff_action_name(ch.action), "delete", "%s: action", c->name);
	t_str(ch.diff ? ch.diff : "", want ? want : "", "%s: diff", c->name);
	free(want);
	/* a set frees what a change holds */
	struct diff_set set = DIFF_SET_INIT;
	*diff_set_push(&set) = ch;
	diff_set_clear(&set);
	diff_rules_free(rules);
	json_decref(live);
}

static void run_case(const struct tcase *c, void *data)
{
	if (case_section(c, "a"))
		unified_case(c);
	else if (case_section(c, "delete"))
		delete_case(c);
	else if (case_section(c, "desired"))
		compute_case(c);
	else
		t_ok(0, "%s:%d: %s: no section says what to test", c->file,
		     c->line, c->name);
}

/* ------------------------------------------------------------------ */

static void test_quantities(void)
{
	static const struct {
		const char *a, *b;
		int equal;
	} q[] = {
		{ "500m", "0.5", 1 },   { "1", "1000m", 1 },
		{ "1Gi", "1024Mi", 1 }, { "1Ki", "1024", 1 },
		{ "1k", "1000", 1 },    { "1e3", "1k", 1 },
		{ "1E3", "1k", 1 },     { "1.5Gi", "1536Mi", 1 },
		{ "100M", "100Mi", 0 }, { "1", "2", 0 },
		{ "-1", "1", 0 },       { "0", "-0", 1 },
		{ "1n", "0.000000001", 1 }, { "1Ei", "1152921504606846976", 1 },
		{ "abc", "abc", 0 },    { "1Gi", "1 Gi", 0 },
		{ "1x", "1", 0 },       { "", "0", 0 },
		{ "0.1n", "0", 0 },     { "1E", "1000P", 1 },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		json_t *a = json_string(q[i].a), *b = json_string(q[i].b);
		t_int(quantity_equal(a, b), q[i].equal,
		      "quantity \"%s\" %s \"%s\"", q[i].a,
		      q[i].equal ? "==" : "!=", q[i].b);
		json_decref(a);
		json_decref(b);
	}
	json_t *half = json_real(0.5), *m = json_string("500m");
	json_t *two = json_integer(2), *two_s = json_string("2");
	t_int(quantity_equal(half, m), 1, "quantity: the number 0.5 is 500m");
	t_int(quantity_equal(two, two_s), 1, "quantity: the number 2 is \"2\"");
	json_decref(half);
	json_decref(m);
	json_decref(two);
	json_decref(two_s);
}

static void rules_error(const char *yaml_json, const char *want)
{
	json_error_t je;
	json_t *doc = json_loads(yaml_json, 0, &je);
	struct diff_rules *r = diff_rules_new();
	struct gerr err = GERR_INIT;
	int rc = diff_rules_add_json(r, doc, "app.yaml", &err);

	t_str(rc < 0 ? gerr_msg(&err) : "(no error)", want, "rules error: %s",
	      want);
	gerr_clear(&err);
	diff_rules_free(r);
	json_decref(doc);
}

static void test_rules_errors(void)
{
	rules_error("[]", "app.yaml: rules must be a mapping with "
			  "ignoreDifferences and sensitive lists");
	rules_error("{\"ignoreDifferences\": {}}",
		    "app.yaml: ignoreDifferences must be a list");
	rules_error("{\"ignoreDifferences\": [{\"paths\": [\"/a\"]}]}",
		    "app.yaml: ignoreDifferences[0]: kind is required");
	rules_error("{\"ignoreDifferences\": [{\"kind\": \"Deployment\"}]}",
		    "app.yaml: ignoreDifferences[0]: paths must be a "
		    "non-empty list of JSON pointers");
	rules_error("{\"ignoreDifferences\": [{\"kind\": \"Deployment\", "
		    "\"paths\": [\"/a\", \"spec/replicas\"]}]}",
		    "app.yaml: ignoreDifferences[0]: paths[1]: path "
		    "\"spec/replicas\" is not a JSON pointer (it must start "
		    "with '/', as /spec/replicas)");
	rules_error("{\"sensitive\": [{\"kind\": \"X\", \"paths\": "
		    "[\"/a~2b\"]}]}",
		    "app.yaml: sensitive[0]: paths[0]: path \"/a~2b\": '~' "
		    "must be followed by 0 or 1 (RFC 6901)");
	rules_error("{\"sensitive\": [{\"kind\": \"X\", \"name\": \"y\", "
		    "\"paths\": [\"/a\"]}]}",
		    "app.yaml: sensitive[0]: unknown key \"name\"");
	rules_error("{\"ignoreDifferences\": [{\"kind\": 3, \"paths\": "
		    "[\"/a\"]}]}",
		    "app.yaml: ignoreDifferences[0]: group, kind, name and "
		    "namespace must be strings");
	rules_error("{\"ignoreDifferences\": [{\"kind\": \"D\", \"paths\": "
		    "[7]}]}",
		    "app.yaml: ignoreDifferences[0]: paths[0] must be a "
		    "string");
}

/* A set of one create, one update (of a Secret) and one unchanged. */
static void build_set(struct diff_set *set)
{
	json_error_t je;
	json_t *cm = json_loads(
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": "
		"{\"name\": \"c\", \"namespace\": \"shop\"}, \"data\": "
		"{\"k\": \"v\"}}",
		0, &je);
	json_t *sec = json_loads(
		"{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": "
		"{\"name\": \"s\", \"namespace\": \"shop\"}, \"stringData\": "
		"{\"password\": \"hunter3\"}}",
		0, &je);
	json_t *sec_live = json_loads(
		"{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": "
		"{\"name\": \"s\", \"namespace\": \"shop\", \"resourceVersion\": "
		"\"41\", \"uid\": \"u-1\"}, \"data\": {\"password\": "
		"\"aHVudGVyMg==\"}, \"type\": \"Opaque\"}",
		0, &je);
	json_t *ns = json_loads("{\"apiVersion\": \"v1\", \"kind\": "
				"\"Namespace\", \"metadata\": {\"name\": "
				"\"shop\", \"resourceVersion\": \"7\"}}",
				0, &je);
	struct gerr err = GERR_INIT;
	struct diff_change *ch;

	set->server = xstrdup("https://127.0.0.1:6443");
	set->context = xstrdup("kind-dev");
	set->namespace = xstrdup("default");
	ch = diff_set_push(set);
	diff_compute(cm, NULL, NULL, NULL, ch, &err);
	ch->source = xstrdup("cm.yaml:1");
	ch = diff_set_push(set);
	diff_compute(sec, sec_live,
		     merge_schema_lookup(merge_schema_builtin(), "", "Secret"),
		     NULL, ch, &err);
	ch = diff_set_push(set);
	diff_compute(ns, ns,
		     merge_schema_lookup(merge_schema_builtin(), "",
					 "Namespace"),
		     NULL, ch, &err);
	diff_set_count(set);
	t_ok(!gerr_failed(&err), "the set is computed");
	json_decref(cm);
	json_decref(sec);
	json_decref(sec_live);
	json_decref(ns);
}

static void test_writers(void)
{
	struct diff_set set = DIFF_SET_INIT;
	struct strbuf out = STRBUF_INIT;

	build_set(&set);
	t_int((long long)diff_set_changes(&set), 2, "two changes");
	diff_write_text(&set, 0, &out);
	/* the Secret's data comes from stringData "hunter3" (aHVudGVyMw==)
	 * against "hunter2": a changed value, never shown */
	t_str(out.buf,
	      "+ create ConfigMap/shop/c\n"
	      "@@ -0,0 +1,7 @@\n"
	      "+apiVersion: v1\n"
	      "+data:\n"
	      "+  k: v\n"
	      "+kind: ConfigMap\n"
	      "+metadata:\n"
	      "+  name: c\n"
	      "+  namespace: shop\n"
	      "\n"
	      "~ update Secret/shop/s\n"
	      "@@ -1,6 +1,6 @@\n"
	      " apiVersion: v1\n"
	      " data:\n"
	      "-  password: (sensitive value)\n"
	      "+  password: (sensitive value changed)\n"
	      " kind: Secret\n"
	      " metadata:\n"
	      "   name: s\n"
	      "\n"
	      "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged.\n",
	      "text output");
	strbuf_reset(&out);
	diff_write_text(&set, DIFF_COLOR, &out);
	t_ok(strstr(out.buf, "\033[1m\033[32m+ create\033[0m ConfigMap/shop/c\n"
			     "\033[36m@@ -0,0 +1,7 @@\033[0m\n"
			     "\033[32m+apiVersion: v1\033[0m\n") != NULL,
	     "colored text output");
	t_ok(strstr(out.buf, "\033[31m-  password: (sensitive value)\033[0m\n"
			     "\033[32m+  password: (sensitive value "
			     "changed)\033[0m\n kind: Secret\n") != NULL,
	     "colored removals and additions; context uncolored");
	strbuf_reset(&out);
	diff_write_json(&set, &out);
	t_ok(!strstr(out.buf, "hunter") && !strstr(out.buf, "aHVudGVy"),
	     "no Secret value in the JSON output");
	json_error_t je;
	json_t *doc = json_loads(out.buf, 0, &je);
	json_t *want = json_loads(
		"{\"kind\": \"Plan\", \"version\": 1, \"server\": "
		"\"https://127.0.0.1:6443\", \"context\": \"kind-dev\", "
		"\"namespace\": \"default\", \"summary\": {\"create\": 1, "
		"\"update\": 1, \"delete\": 0, \"unchanged\": 1}, \"objects\": ["
		"{\"id\": \"ConfigMap/shop/c\", \"apiVersion\": \"v1\", \"kind\": "
		"\"ConfigMap\", \"namespace\": \"shop\", \"name\": \"c\", "
		"\"action\": \"create\", \"source\": \"cm.yaml:1\", "
		"\"resourceVersion\": null, \"changes\": [], \"diff\": \"@@ -0,0 "
		"+1,7 @@\\n+apiVersion: v1\\n+data:\\n+  k: v\\n+kind: "
		"ConfigMap\\n+metadata:\\n+  name: c\\n+  namespace: shop\\n\"},"
		"{\"id\": \"Secret/shop/s\", \"apiVersion\": \"v1\", \"kind\": "
		"\"Secret\", \"namespace\": \"shop\", \"name\": \"s\", "
		"\"action\": \"update\", \"source\": null, \"resourceVersion\": "
		"\"41\", \"changes\": [{\"path\": \"/data/password\", \"op\": "
		"\"replace\", \"before\": \"(sensitive value)\", \"after\": "
		"\"(sensitive value changed)\"}], \"diff\": \"@@ -1,6 +1,6 "
		"@@\\n apiVersion: v1\\n data:\\n-  password: (sensitive "
		"value)\\n+  password: (sensitive value changed)\\n kind: "
		"Secret\\n metadata:\\n   name: s\\n\"},"
		"{\"id\": \"Namespace/shop\", \"apiVersion\": \"v1\", \"kind\": "
		"\"Namespace\", \"namespace\": null, \"name\": \"shop\", "
		"\"action\": \"unchanged\", \"source\": null, "
		"\"resourceVersion\": \"7\", \"changes\": [], \"diff\": null}]}",
		0, &je);
	t_json(doc, want, "JSON output");
	json_decref(doc);
	json_decref(want);
	strbuf_release(&out);
	diff_set_clear(&set);
}

static void test_saved_plan(void)
{
	struct diff_set set = DIFF_SET_INIT, back = DIFF_SET_INIT;
	char dir[] = "/tmp/gantry-diff-XXXXXX";
	struct gerr err = GERR_INIT;
	struct stat st;

	build_set(&set);
	t_ok(mkdtemp(dir) != NULL, "a temporary directory");
	char *file = xasprintf("%s/plan.json", dir);
	t_int(diff_save(&set, file, &err), 0, "saved");
	t_ok(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600,
	     "the saved plan has mode 0600");
	t_int(diff_load(file, &back, &err), 0, "loaded: %s", gerr_msg(&err));
	t_int((long long)back.nr, 3, "three objects back");
	t_str(back.server, "https://127.0.0.1:6443", "server back");
	t_str(back.context, "kind-dev", "context back");
	t_int((long long)back.count[DIFF_UPDATE], 1, "counts back");
	for (size_t i = 0; i < back.nr && i < set.nr; i++) {
		struct diff_change *a = &set.v[i], *b = &back.v[i];
		t_str(b->id, a->id, "object %zu: id", i);
		t_str(b->group, a->group, "object %zu: group", i);
		t_str(b->namespace, a->namespace, "object %zu: namespace", i);
		t_int(b->action, a->action, "object %zu: action", i);
		t_str(b->resource_version ? b->resource_version : "(null)",
		      a->resource_version ? a->resource_version : "(null)",
		      "object %zu: resourceVersion", i);
		same_json(b->desired, a->desired, "desired", i);
		same_json(b->patch, a->patch, "patch", i);
		t_str(b->diff ? b->diff : "", a->diff ? a->diff : "",
		      "object %zu: diff", i);
		t_int((long long)b->nr_paths, (long long)a->nr_paths,
		      "object %zu: paths", i);
	}
	if (back.nr == 3) {
		t_str(back.v[1].patch_type,
		      "application/strategic-merge-patch+json",
		      "the patch type back");
		/* what apply sends to the Secret: the new value, base64, and
		 * (the live Secret having no annotations) the annotations map
		 * that apply puts the last-applied configuration in */
		json_error_t je;
		json_t *want = json_loads(
			"{\"metadata\": {\"annotations\": {}}, \"data\": "
			"{\"password\": \"aHVudGVyMw==\"}}",
			0, &je);
		t_json(back.v[1].patch, want, "the Secret's patch");
		json_decref(want);
	}
	diff_set_clear(&back);

	/* what is not a saved plan */
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "{\"kind\": \"Plan\", \"version\": 1}",
		  "FILE: not a saved plan (kind is not SavedPlan)" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 2}",
		  "FILE: saved plan version 2 is not supported (this gantry "
		  "reads version 1)" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"create\", \"id\": \"ConfigMap/c\", "
		  "\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"name\": "
		  "\"c\", \"changes\": []}]}",
		  "FILE: objects[0]: no desired object" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"update\", \"id\": \"ConfigMap/c\", "
		  "\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"name\": "
		  "\"c\", \"desired\": {}, \"resourceVersion\": \"3\", "
		  "\"patch\": {}, \"patchType\": \"application/json\", "
		  "\"changes\": []}]}",
		  "FILE: objects[0]: unknown patchType \"application/json\"" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"update\", \"id\": \"ConfigMap/c\", "
		  "\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"name\": "
		  "\"c\", \"desired\": {}, \"changes\": []}]}",
		  "FILE: objects[0]: no resourceVersion of the live object" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"move\"}]}",
		  "FILE: objects[0]: action must be create, update, delete or "
		  "unchanged" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"delete\", \"id\": 3}]}",
		  "FILE: objects[0]: id must be a string" },
		{ "{\"kind\": \"SavedPlan\", \"version\": 1, \"objects\": "
		  "[{\"action\": \"delete\", \"id\": \"ConfigMap/c\", "
		  "\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"name\": "
		  "\"c\", \"resourceVersion\": \"3\", \"changes\": [{\"op\": "
		  "\"add\"}]}]}",
		  "FILE: objects[0]: changes[0] needs a path and an op (add, "
		  "remove or replace)" },
		{ "{\"kind\": \"SavedPlan\"",
		  "FILE:1:20: not a saved plan: '}' expected near end of file" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = fopen(file, "w");
		struct diff_set s = DIFF_SET_INIT;
		struct strbuf want = STRBUF_INIT;
		const char *at = strstr(bad[i].want, "FILE");
		fputs(bad[i].text, f);
		fclose(f);
		strbuf_add(&want, bad[i].want, (size_t)(at - bad[i].want));
		strbuf_addstr(&want, file);
		strbuf_addstr(&want, at + 4);
		t_int(diff_load(file, &s, &err), -1, "bad plan %zu refused", i);
		t_str(gerr_msg(&err), want.buf, "bad plan %zu: message", i);
		strbuf_release(&want);
		diff_set_clear(&s);
		gerr_clear(&err);
	}
	unlink(file);
	rmdir(dir);
	free(file);
	diff_set_clear(&set);
}

int main(void)
{
	mem_init();
	cases_run_dir("diff", run_case, NULL);
	test_quantities();
	test_rules_errors();
	test_writers();
	test_saved_plan();
	return t_done();
}
