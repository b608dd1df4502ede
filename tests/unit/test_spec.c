/*
 * pkg/spec, driven by the case files testdata/spec/NAME.test. Each case is a small
 * repository: every section whose name holds a '/' or ends in ".yaml" is a
 * file written at that path (a section "link PATH" holds a symbolic link's
 * target, "dir" lists directories to make, one per line); then spec_load
 * runs on it and either
 *   --- error     fails with exactly this message, or
 *   --- order     succeeds, and spec_order gives these lines: "LEVEL NAME"
 *                 then " after DEP,DEP" for the selected dependencies
 *   --- select    (optional) the app names given to spec_order, one a line
 *   --- order-error   spec_order fails with exactly this message.
 * Paths in messages start with "repo/", the root the cases open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/spec/spec.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static char tmp[256];

static void mkdirs_for(const char *path, int last)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (last)
		mkdir(p, 0755);
	free(p);
}

static int is_file_section(const char *name)
{
	size_t n = strlen(name);
	return strchr(name, '/') ||
	       (n > 5 && !strcmp(name + n - 5, ".yaml"));
}

/* Write the case's repository under tmp/repo; 0 on success. */
static int write_repo(const struct tcase *c)
{
	if (system("rm -rf repo") != 0)
		return -1;
	mkdir("repo", 0755);
	for (int i = 0; i < c->nr; i++) {
		const char *name = c->s[i].name;
		const char *body = c->s[i].body.buf ? c->s[i].body.buf : "";
		if (!strcmp(name, "dir")) {
			char *text = xstrdup(body);
			for (char *l = strtok(text, "\n"); l;
			     l = strtok(NULL, "\n")) {
				char *p = xasprintf("repo/%s", l);
				mkdirs_for(p, 1);
				free(p);
			}
			free(text);
		} else if (!strncmp(name, "link ", 5)) {
			char *p = xasprintf("repo/%s", name + 5);
			char *target = xstrndup(body, strcspn(body, "\n"));
			mkdirs_for(p, 0);
			int rc = symlink(target, p);
			free(target);
			free(p);
			if (rc < 0)
				return -1;
		} else if (is_file_section(name)) {
			char *p = xasprintf("repo/%s", name);
			mkdirs_for(p, 0);
			FILE *f = fopen(p, "w");
			free(p);
			if (!f)
				return -1;
			fputs(body, f);
			fclose(f);
		}
	}
	return 0;
}

static void order_text(const struct spec_order *o, struct strbuf *sb)
{
	for (size_t i = 0; i < o->n; i++) {
		strbuf_addf(sb, "%d %s", o->v[i].level, o->v[i].app->name);
		for (size_t k = 0; k < o->v[i].nafter; k++)
			strbuf_addf(sb, "%s%s", k ? "," : " after ",
				    o->v[o->v[i].after[k]].app->name);
		strbuf_addch(sb, '\n');
	}
	if (sb->len)
		strbuf_setlen(sb, sb->len - 1);
}

static void run_case(const struct tcase *c, void *data)
{
	struct gerr err = GERR_INIT;
	struct source_options so = SOURCE_OPTIONS_INIT;
	(void)data;

	if (write_repo(c) < 0) {
		t_ok(0, "%s: writing the repository", c->name);
		return;
	}
	so.repo = "repo";
	struct source *src = source_open(&so, &err);
	if (!src) {
		t_ok(0, "%s: open (%s)", c->name, gerr_msg(&err));
		gerr_clear(&err);
		return;
	}
	struct spec_repo *r = spec_load(src, &err);
	char *want_err = case_text(c, "error");
	if (want_err) {
		t_str(r ? "(loaded)" : gerr_msg(&err), want_err, "%s",
		      c->name);
	} else if (!r) {
		t_ok(0, "%s: %s", c->name, gerr_msg(&err));
	} else {
		struct strvec names = STRVEC_INIT;
		const char *sel = case_section(c, "select");
		if (sel) {
			char *t = xstrdup(sel);
			for (char *l = strtok(t, "\n"); l; l = strtok(NULL, "\n"))
				strvec_push(&names, l);
			free(t);
		}
		struct spec_order o;
		struct gerr oerr = GERR_INIT;
		char *want_oerr = case_text(c, "order-error");
		char *want = case_text(c, "order");
		if (spec_order(r, (const char *const *)names.v, names.nr, &o,
			       &oerr) < 0) {
			t_str(gerr_msg(&oerr), want_oerr ? want_oerr : "",
			      "%s: order", c->name);
		} else {
			struct strbuf sb = STRBUF_INIT;
			order_text(&o, &sb);
			t_str(sb.buf, want ? want : "(no order section)",
			      "%s", c->name);
			strbuf_release(&sb);
			spec_order_clear(&o);
		}
		free(want);
		free(want_oerr);
		gerr_clear(&oerr);
		strvec_clear(&names);
	}
	free(want_err);
	gerr_clear(&err);
	spec_free(r);
	source_free(src);
}

/* What pkg/spec keeps from a full app.yaml: every field in its struct. */
static void test_fields(void)
{
	static const char *const gantry_yaml =
		"apiVersion: gantry.dev/v1alpha1\n"
		"kind: Repository\n"
		"spec:\n"
		"  environments:\n"
		"    dev: {context: kind-dev}\n"
		"    prod: {context: prod-eu, values: {global: {env: prod}}}\n"
		"  defaults: {prune: true, timeout: 5m}\n";
	static const char *const app_yaml =
		"apiVersion: gantry.dev/v1alpha1\n"
		"kind: App\n"
		"metadata: {name: web}\n"
		"spec:\n"
		"  namespace: shop\n"
		"  createNamespace: true\n"
		"  sources:\n"
		"    - manifests: manifests/\n"
		"    - chart: chart\n"
		"      values: [values.yaml]\n"
		"      set: {image.tag: v1.0}\n"
		"    - builtin: web-service\n"
		"      release: front\n"
		"    - kustomize: ../web/base\n"
		"  overlays: [overlays/common]\n"
		"  environments:\n"
		"    prod: {overlays: [overlays/prod], values: {replicas: 3},\n"
		"           namespace: shop-prod, context: eu-2,\n"
		"           set: {a.b: 1}}\n"
		"  health:\n"
		"    - {group: volley.io, kind: VolleyApplication,\n"
		"       field: status.phase, healthy: [Running],\n"
		"       progressing: [Pending, \"/^Creat.*/\"],\n"
		"       degraded: [Degraded, Failed]}\n"
		"  ignoreDifferences:\n"
		"    - {group: apps, kind: Deployment, name: web,\n"
		"       paths: [/spec/replicas]}\n"
		"  sensitive:\n"
		"    - {kind: ConfigMap, namespace: shop, paths: [/data/password]}\n"
		"  sync: {timeout: 90s, concurrency: 4}\n";
	struct gerr err = GERR_INIT;
	struct source_options so = SOURCE_OPTIONS_INIT;

	if (system("rm -rf repo && mkdir -p repo/apps/web/manifests "
		   "repo/apps/web/chart repo/apps/web/base "
		   "repo/apps/web/overlays/common repo/apps/web/overlays/prod"))
		return;
	FILE *f = fopen("repo/gantry.yaml", "w");
	fputs(gantry_yaml, f);
	fclose(f);
	f = fopen("repo/apps/web/app.yaml", "w");
	fputs(app_yaml, f);
	fclose(f);
	f = fopen("repo/apps/web/values.yaml", "w");
	fclose(f);
	so.repo = "repo";
	struct source *src = source_open(&so, &err);
	struct spec_repo *r = src ? spec_load(src, &err) : NULL;
	t_ok(r != NULL, "fields: loads (%s)", gerr_msg(&err));
	if (!r) {
		source_free(src);
		return;
	}
	t_int((long long)r->nenvs, 2, "fields: two environments");
	t_str(r->envs[1].context, "prod-eu", "fields: a repository context");
	t_int(r->defaults.prune, 1, "fields: defaults.prune");
	t_int(r->defaults.timeout_ms, 300000, "fields: defaults.timeout");
	t_int(r->defaults.concurrency, SPEC_DEFAULT_CONCURRENCY,
	      "fields: the built-in concurrency");
	const struct spec_app *a = spec_app_find(r, "web");
	t_ok(a != NULL, "fields: the app");
	if (a) {
		t_str(a->dir, "repo/apps/web", "fields: dir");
		t_str(a->file, "repo/apps/web/app.yaml", "fields: file");
		t_str(a->namespace, "shop", "fields: namespace");
		t_int(a->create_namespace, 1, "fields: createNamespace");
		t_int((long long)a->nsources, 4, "fields: four sources");
		t_int(a->sources[0].kind, SPEC_MANIFESTS, "fields: manifests");
		t_str(a->sources[0].path, "repo/apps/web/manifests",
		      "fields: a source path, cleaned");
		t_ok(a->sources[0].release == NULL,
		     "fields: no release for manifests");
		t_str(a->sources[1].release, "web",
		      "fields: the release defaults to the app's name");
		t_str(a->sources[1].values.v[0], "repo/apps/web/values.yaml",
		      "fields: a values file");
		t_str(json_string_value(json_object_get(a->sources[1].set,
							"image.tag")),
		      "v1.0", "fields: set keeps its dotted key");
		t_str(a->sources[2].path, "web-service", "fields: builtin");
		t_str(a->sources[2].release, "front", "fields: a release");
		t_str(a->sources[3].path, "repo/apps/web/base",
		      "fields: kustomize with ..");
		t_str(a->sources[1].where,
		      "repo/apps/web/app.yaml:9:7: spec.sources[1]",
		      "fields: where a source was written");
		t_str(a->overlays.v[0], "repo/apps/web/overlays/common",
		      "fields: overlays");
		t_str(spec_app_namespace(a, "prod"), "shop-prod",
		      "fields: an environment's namespace");
		t_str(spec_app_namespace(a, "dev"), "shop",
		      "fields: no section for dev");
		t_str(spec_app_context(r, a, "prod"), "eu-2",
		      "fields: the app's context wins");
		t_str(spec_app_context(r, a, "dev"), "kind-dev",
		      "fields: else the repository's");
		t_ok(spec_app_context(r, a, NULL) == NULL,
		     "fields: no environment, no context");
		t_int((long long)a->nhealth, 1, "fields: a health rule");
		t_str(a->health[0].progressing.v[1], "/^Creat.*/",
		      "fields: a regular expression stays as written");
		t_str(a->ignore[0].paths.v[0], "/spec/replicas",
		      "fields: ignoreDifferences");
		t_ok(a->sensitive[0].group == NULL,
		     "fields: sensitive without a group matches any");
		t_int(a->sync.prune, 1, "fields: prune from the defaults");
		t_int(a->sync.timeout_ms, 90000, "fields: the app's timeout");
		t_int(a->sync.concurrency, 4, "fields: the app's concurrency");
		t_str(a->depends_where.nr ? "x" : "none", "none",
		      "fields: no dependencies");
	}
	t_int(spec_check_env(r, "prod", &err), 0, "fields: prod exists");
	t_int(spec_check_env(r, "qa", &err), -1, "fields: qa does not");
	t_str(gerr_msg(&err),
	      "unknown environment qa (repo/gantry.yaml defines: dev, prod)",
	      "fields: the message");
	gerr_clear(&err);
	spec_free(r);
	source_free(src);
}

static void test_durations(void)
{
	static const struct {
		const char *in;
		long long ms;
	} cases[] = {
		{ "5m", 300000 },     { "90s", 90000 },   { "1h30m", 5400000 },
		{ "1.5h", 5400000 },  { "250ms", 250 },   { "2m3s", 123000 },
		{ "1500us", 2 },      { "0", 0 },         { "", -1 },
		{ "5", -1 },          { "-5m", -1 },      { "5x", -1 },
		{ "m", -1 },          { "1h 2m", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		t_int(spec_parse_duration(cases[i].in), cases[i].ms,
		      "duration '%s'", cases[i].in);
}

int main(void)
{
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)))
		return 1;
	const char *td = t_testdata();
	char *data = td[0] == '/' ? xstrdup(td) : xasprintf("%s/%s", cwd, td);
	snprintf(tmp, sizeof(tmp), "/tmp/gantry-spec-XXXXXX");
	if (!mkdtemp(tmp) || chdir(tmp) < 0)
		return 1;
	setenv("GANTRY_TESTDATA", data, 1);
	free(data);
	test_durations();
	test_fields();
	cases_run_dir("spec", run_case, NULL);
	if (chdir("/") == 0) {
		char *rm = xasprintf("rm -rf '%s'", tmp);
		if (system(rm))
			t_diag("could not remove %s", tmp);
		free(rm);
	}
	return t_done();
}
