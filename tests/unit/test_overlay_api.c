/*
 * pkg/overlay's API as the app pipeline uses it, and the parts of the
 * module with rules of their own (hash suffixes, paths, key order, label
 * selectors).
 *
 * overlay_apply cases: testdata/overlay-apply/NAME/ holds input.yaml (the
 * objects earlier stages rendered), a kustomization, and expected.yaml:
 * what `kubectl kustomize` prints for the same kustomization with
 * input.yaml put first in its resources. When kubectl is installed, the
 * test builds that equivalent kustomization in a temporary directory and
 * checks kubectl still prints expected.yaml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/overlay/internal.h"
#include "pkg/overlay/overlay.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"
#include "tests/unit/harness.h"

static char *slurp(const char *path)
{
	size_t len;
	struct gerr err = GERR_INIT;
	char *buf = source_read_file(path, &len, &err);
	gerr_clear(&err);
	return buf;
}

static json_t *objects(const struct obj_list *l)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < l->nr; i++)
		json_array_append(arr, l->v[i].json);
	return arr;
}

static json_t *stream(const char *text)
{
	struct yaml_docs docs = YAML_DOCS_INIT;
	json_t *arr = json_array();
	if (yaml_parse(text, strlen(text), "expected.yaml", 0, &docs, NULL) < 0) {
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; i < docs.nr; i++)
		if (!json_is_null(docs.v[i].value))
			json_array_append(arr, docs.v[i].value);
	yaml_docs_clear(&docs);
	return arr;
}

/* kubectl kustomize on a copy of dir with input.yaml first in its
 * resources; its output into out. 0 on success. */
static int kubectl_equivalent(const char *dir, struct strbuf *out)
{
	char tmpl[] = "/tmp/gantry-overlay-XXXXXX";
	char *tmp = mkdtemp(tmpl);
	int rc = -1;
	if (!tmp)
		return -1;
	char *cmd = xasprintf("cp -r '%s'/. '%s'", dir, tmp);
	int st = system(cmd);
	free(cmd);
	char *kpath = xasprintf("%s/kustomization.yaml", tmp);
	char *text = st == 0 ? slurp(kpath) : NULL;
	json_t *k = text ? yaml_parse_value(text, strlen(text), kpath, NULL) : NULL;
	if (json_is_object(k)) {
		json_t *res = json_object_get(k, "resources");
		if (!json_is_array(res)) {
			res = json_array();
			json_object_set_new(k, "resources", res);
		}
		json_array_insert_new(res, 0, json_string("input.yaml"));
		struct strbuf y = STRBUF_INIT;
		yaml_emit(&y, k);
		FILE *f = fopen(kpath, "w");
		if (f) {
			fwrite(y.buf, 1, y.len, f);
			fclose(f);
			char *run = xasprintf("kubectl kustomize '%s' 2>/dev/null", tmp);
			FILE *p = popen(run, "r");
			char buf[4096];
			size_t n;
			while (p && (n = fread(buf, 1, sizeof(buf), p)) > 0)
				strbuf_add(out, buf, n);
			if (p && pclose(p) == 0)
				rc = 0;
			free(run);
		}
		strbuf_release(&y);
	}
	json_decref(k);
	free(text);
	free(kpath);
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		t_diag("could not remove %s", tmp);
	free(cmd);
	return rc;
}

static void apply_case(const char *base, const char *name)
{
	char *dir = xasprintf("%s/%s", base, name);
	char *in_path = xasprintf("%s/input.yaml", dir);
	char *want = NULL;
	char *exp_path = xasprintf("%s/expected.yaml", dir);
	const char *paths[] = { in_path };
	struct obj_list in = OBJ_LIST_INIT, out = OBJ_LIST_INIT;
	struct gerr err = GERR_INIT;

	want = slurp(exp_path);
	if (obj_list_load_paths(&in, paths, 1, &err) < 0) {
		t_ok(0, "overlay-apply/%s: read input.yaml: %s", name,
		     gerr_msg(&err));
		goto out;
	}
	json_t *before = objects(&in);
	json_t *before_copy = json_deep_copy(before);
	int rc = overlay_apply(dir, &in, NULL, &out, &err);
	if (rc < 0) {
		t_ok(0, "overlay-apply/%s: apply", name);
		t_diag("%s", gerr_msg(&err));
	} else {
		json_t *got = objects(&out);
		json_t *exp = want ? stream(want) : NULL;
		t_json(got, exp, "overlay-apply/%s: objects, in order", name);
		json_decref(got);
		json_decref(exp);
	}
	json_t *after = objects(&in);
	t_json(after, before_copy, "overlay-apply/%s: the input objects are "
	       "not changed", name);
	json_decref(after);
	json_decref(before);
	json_decref(before_copy);

	if (system("kubectl version --client >/dev/null 2>&1") != 0) {
		t_ok(1, "overlay-apply/%s: kubectl # skip kubectl is not "
			"installed", name);
	} else {
		struct strbuf k = STRBUF_INIT;
		int krc = kubectl_equivalent(dir, &k);
		t_str(krc == 0 ? k.buf : "(kubectl failed)", want ? want : "",
		      "overlay-apply/%s: kubectl kustomize with input.yaml "
		      "first prints expected.yaml", name);
		strbuf_release(&k);
	}
out:
	obj_list_clear(&in);
	obj_list_clear(&out);
	gerr_clear(&err);
	free(want);
	free(exp_path);
	free(in_path);
	free(dir);
}

static void apply_cases(void)
{
	char *base = xasprintf("%s/overlay-apply", t_testdata());
	DIR *d = opendir(base);
	struct strvec names = STRVEC_INIT;
	struct dirent *e;
	if (!d) {
		t_ok(0, "open %s", base);
		free(base);
		return;
	}
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			strvec_push(&names, e->d_name);
	closedir(d);
	strvec_sort(&names);
	for (size_t i = 0; i < names.nr; i++)
		apply_case(base, names.v[i]);
	strvec_clear(&names);
	free(base);
}

/* Errors and edge cases of the API itself. */
static void api_edges(void)
{
	char *dir = xasprintf("%s/overlay-apply/env-prod", t_testdata());
	struct obj_list in = OBJ_LIST_INIT, out = OBJ_LIST_INIT;
	struct gerr err = GERR_INIT;
	struct strvec warnings = STRVEC_INIT;

	t_ok(overlay_is_kustomization(dir), "a directory with a "
	     "kustomization.yaml is one");
	t_ok(!overlay_is_kustomization(t_testdata()), "testdata/ is not");

	/* an input object that the overlay's own resources have too */
	obj_list_push(&in, json_pack("{s:s, s:s, s:{s:s}}", "apiVersion",
				     "policy/v1", "kind", "PodDisruptionBudget",
				     "metadata", "name", "web"),
		      "chart/templates/pdb.yaml", 3);
	obj_list_push(&out, json_pack("{s:s}", "kept", "yes"), NULL, 0);
	int rc = overlay_apply(dir, &in, NULL, &out, &err);
	char *want = xasprintf("duplicate object policy/PodDisruptionBudget/web: "
			       "defined at chart/templates/pdb.yaml:3 and again at "
			       "%s/pdb.yaml:1", dir);
	t_str(rc < 0 ? gerr_msg(&err) : "(applied)", want,
	      "an overlay resource that duplicates an input object names both");
	t_int((long long)out.nr, 1, "on error, out is left as it was");
	free(want);
	gerr_clear(&err);
	obj_list_clear(&in);
	obj_list_clear(&out);

	/* warnings reach the caller */
	char *wdir = xasprintf("%s/overlay/warn-patch-target-nothing",
			       t_testdata());
	struct overlay_options opt = { NULL, 0, &warnings };
	rc = overlay_apply(wdir, NULL, &opt, &out, &err);
	t_ok(rc == 0 && warnings.nr == 1, "a warning is returned in "
	     "options.warnings (%zu)", warnings.nr);
	t_int((long long)out.nr, 1, "and the build goes on");
	strvec_clear(&warnings);
	obj_list_clear(&out);
	gerr_clear(&err);
	free(wdir);

	/* no kustomization */
	rc = overlay_build(t_testdata(), NULL, &out, &err);
	want = xasprintf("%s: no kustomization.yaml, kustomization.yml or "
			 "Kustomization in this directory", t_testdata());
	t_str(rc < 0 ? gerr_msg(&err) : "(built)", want,
	      "a directory without a kustomization");
	free(want);
	gerr_clear(&err);

	/* a root the directory is outside of */
	struct overlay_options rooted = { "/nonexistent-root", 0, NULL };
	rc = overlay_build(dir, &rooted, &out, &err);
	t_str(rc < 0 ? gerr_msg(&err) : "(built)",
	      "/nonexistent-root: cannot resolve the repository root",
	      "a repository root that does not exist");
	gerr_clear(&err);
	free(dir);
}

/* The pipeline can apply a built-in component straight to what it
 * rendered: a Component builds on its own, its transformers run on the
 * input objects. */
static void builtin_component(void)
{
	char *dir = xasprintf("%s/../overlays/high-availability", t_testdata());
	struct obj_list in = OBJ_LIST_INIT, out = OBJ_LIST_INIT;
	struct gerr err = GERR_INIT;
	obj_list_push(&in, json_pack("{s:s, s:s, s:{s:s}, s:{s:{s:{s:s}}}}",
				     "apiVersion", "apps/v1", "kind",
				     "Deployment", "metadata", "name", "web",
				     "spec", "selector", "matchLabels", "app",
				     "web"),
		      "manifests/web.yaml", 1);
	int rc = overlay_apply(dir, &in, NULL, &out, &err);
	t_ok(rc == 0, "overlay_apply of overlays/high-availability");
	if (rc < 0)
		t_diag("%s", gerr_msg(&err));
	json_t *got = objects(&out);
	/* by the component's rules: replicas 2, spread by hostname, a
	 * PDB of the same name with the selector; Deployment sorts first */
	json_t *want = json_loads(
		"[{\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\","
		"  \"metadata\": {\"name\": \"web\"},"
		"  \"spec\": {\"replicas\": 2,"
		"    \"selector\": {\"matchLabels\": {\"app\": \"web\"}},"
		"    \"template\": {\"spec\": {\"affinity\": {\"podAntiAffinity\": {"
		"      \"preferredDuringSchedulingIgnoredDuringExecution\": [{"
		"        \"weight\": 100, \"podAffinityTerm\": {"
		"          \"labelSelector\": {\"matchLabels\": {\"app\": \"web\"}},"
		"          \"topologyKey\": \"kubernetes.io/hostname\"}}]}}}}}},"
		" {\"apiVersion\": \"policy/v1\", \"kind\": \"PodDisruptionBudget\","
		"  \"metadata\": {\"name\": \"web\"},"
		"  \"spec\": {\"maxUnavailable\": 1,"
		"    \"selector\": {\"matchLabels\": {\"app\": \"web\"}}}}]",
		0, NULL);
	t_json(got, want, "the component's objects");
	t_str(out.nr ? out.v[0].file : "", "manifests/web.yaml",
	      "an input object keeps where it was read");
	json_decref(got);
	json_decref(want);
	obj_list_clear(&in);
	obj_list_clear(&out);
	gerr_clear(&err);
	free(dir);
}

static void hashes(void)
{
	/* suffixes kubectl kustomize gave these objects */
	static const struct {
		const char *obj, *hash;
	} cases[] = {
		{ "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cfg\"},"
		  "\"data\":{\"a\":\"1\"}}", "h29d89cmmt" },
		{ "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"other\"},"
		  "\"data\":{\"a\":\"1\"}}", "h29d89cmmt" },
		{ "{\"kind\":\"ConfigMap\",\"data\":{\"a\":\"1\",\"on\":\"yes\"}}",
		  "9d785cm8h4" },
		{ "{\"kind\":\"Secret\",\"type\":\"Opaque\","
		  "\"data\":{\"a\":\"MQ==\"}}", "25khgmg44c" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		json_t *o = json_loads(cases[i].obj, 0, NULL);
		char h[11];
		khash_object(o, h);
		t_str(h, cases[i].hash, "hash suffix %zu (the name does not "
		      "count, as in kustomize)", i);
		json_decref(o);
	}
	struct strbuf sb = STRBUF_INIT;
	json_t *v = json_pack("{s:s, s:s, s:[i, f, b, n]}", "b", "<&>\u2028",
			      "a", "tab\there", "c", 7, 1.5, 1);
	yaml_write_json(&sb, v, YAML_JSON_SORT_KEYS | YAML_JSON_ESCAPE_HTML);
	t_str(sb.buf, "{\"a\":\"tab\\there\",\"b\":\"\\u003c\\u0026\\u003e\\u2028\","
		      "\"c\":[7,1.5,true,null]}",
	      "Go's encoding/json: sorted keys, HTML and line separators escaped");
	strbuf_release(&sb);
	json_decref(v);
}

static void paths(void)
{
	static const char *const cases[][2] = {
		{ "a/b/../c", "a/c" },      { "./a//b/", "a/b" },
		{ "../../x", "../../x" },   { "a/../..", ".." },
		{ "/a/../../b", "/b" },     { ".", "." },
		{ "", "." },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *c = kpath_clean(cases[i][0]);
		t_str(c, cases[i][1], "clean \"%s\"", cases[i][0]);
		free(c);
	}
	t_ok(kload_is_remote("https://example.com/x.yaml"), "a URL is remote");
	t_ok(kload_is_remote("github.com/org/repo?ref=v1"), "a repo is remote");
	t_ok(kload_is_remote("git@github.com:org/repo.git"), "ssh git is remote");
	t_ok(!kload_is_remote("../base"), "../base is not");
	t_ok(!kload_is_remote("deploy.yaml"), "a file is not");
}

static void key_order(void)
{
	/* go-yaml v2 sorts keys with digit runs as numbers, other
	 * characters before letters (the order kubectl kustomize printed) */
	json_t *o = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "a10",
			      1, "a9", 2, "b", 3, "A", 4, "a", 5, "_x", 6, "1", 7,
			      "-z", 8);
	json_t *s = ksort_keys(o);
	struct strbuf sb = STRBUF_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(s, k, v)
		strbuf_addf(&sb, "%s ", k);
	t_str(sb.buf, "-z _x 1 A a a9 a10 b ", "keys in go-yaml v2's order");
	strbuf_release(&sb);
	json_decref(o);
	json_decref(s);
}

static void selectors(void)
{
	json_t *labels = json_pack("{s:s, s:s}", "app", "web", "tier", "front");
	static const struct {
		const char *sel;
		int want;
	} cases[] = {
		{ "app=web", 1 },
		{ "app==web,tier=front", 1 },
		{ "app!=web", 0 },
		{ "env!=prod", 1 },
		{ "tier in (back, front)", 1 },
		{ "tier notin (front)", 0 },
		{ "app", 1 },
		{ "!app", 0 },
		{ "!env", 1 },
		{ "app=web,env", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct gerr err = GERR_INIT;
		t_int(klabel_selector_match(cases[i].sel, labels, &err),
		      cases[i].want, "label selector \"%s\"", cases[i].sel);
		gerr_clear(&err);
	}
	struct gerr err = GERR_INIT;
	t_int(klabel_selector_match("app in web", labels, &err), -1,
	      "a malformed selector is an error");
	t_str(gerr_msg(&err), "bad selector \"app in web\": expected ( at \"web\"",
	      "naming the selector");
	gerr_clear(&err);
	json_decref(labels);
}

int main(void)
{
	mem_init();
	apply_cases();
	api_edges();
	builtin_component();
	hashes();
	paths();
	key_order();
	selectors();
	return t_done();
}
