/*
 * pkg/deploy against kubesim in process: a small repository of four apps
 * (b depends on a; d depends on bad) written to a temporary directory.
 * kubesim's audit log proves the order of writes across apps; the
 * expected outcomes follow from deploy.h (ORDER, RENDERING) and from what
 * the API server does with each object.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/deploy/deploy.h"
#include "pkg/report/report.h"
#include "pkg/sim/sim.h"
#include "tests/unit/harness.h"

static char tmp[64];

static void write_file(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", tmp, rel);
	char *dir = xstrdup(path);
	char *cmd;
	FILE *f;

	*strrchr(dir, '/') = 0;
	cmd = xasprintf("mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		t_diag("mkdir %s failed", dir);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	free(cmd);
	free(dir);
	free(path);
}

static void app(const char *name, const char *depends, const char *objects)
{
	char *rel = xasprintf("repo/apps/%s/app.yaml", name);
	char *text = xasprintf("apiVersion: gantry.dev/v1alpha1\n"
			       "kind: App\n"
			       "metadata: {name: %s}\n"
			       "spec:\n"
			       "  namespace: ns-%s\n"
			       "  createNamespace: true\n"
			       "  dependsOn: [%s]\n"
			       "  sources:\n"
			       "    - manifests: m/\n",
			       name, name, depends);
	write_file(rel, text);
	free(rel);
	free(text);
	rel = xasprintf("repo/apps/%s/m/objects.yaml", name);
	write_file(rel, objects);
	free(rel);
}

static void make_repo(void)
{
	write_file("repo/gantry.yaml",
		   "apiVersion: gantry.dev/v1alpha1\n"
		   "kind: Repository\n"
		   "spec:\n"
		   "  apps: [\"apps/*\"]\n"
		   "  environments:\n"
		   "    dev: {context: kubesim}\n");
	app("a", "", "apiVersion: v1\nkind: ConfigMap\n"
		     "metadata: {name: cm-a}\ndata: {k: v1}\n");
	app("b", "a", "apiVersion: v1\nkind: ConfigMap\n"
		      "metadata: {name: cm-b}\ndata: {k: v1}\n");
	/* the API server refuses a port above 65535 (422): bad fails in
	 * its run, after its namespace was written */
	app("bad", "", "apiVersion: v1\nkind: Service\n"
		       "metadata: {name: svc}\n"
		       "spec:\n  ports: [{port: 70000}]\n");
	app("d", "bad", "apiVersion: v1\nkind: ConfigMap\n"
			"metadata: {name: cm-d}\ndata: {k: v1}\n");
}

static struct sim *start_sim(const char *audit)
{
	struct sim_config cfg;
	struct gerr err = GERR_INIT;
	struct sim *s;
	char *kc = xasprintf("%s/kubeconfig", tmp);

	sim_config_init(&cfg);
	cfg.quiet = 1;
	cfg.tick_ms = 20;
	cfg.audit_log = audit;
	s = sim_new(&cfg, &err);
	if (!s || sim_serve(s, &err) < 0 ||
	    sim_write_kubeconfig(s, kc, &err) < 0) {
		t_diag("kubesim: %s", gerr_msg(&err));
		sim_free(s);
		s = NULL;
	}
	free(kc);
	gerr_clear(&err);
	return s;
}

/* The writes of the audit log, "VERB PATH" per line. */
static char *audit_writes(const char *audit)
{
	struct strbuf sb = STRBUF_INIT;
	char line[4096];
	FILE *f = fopen(audit, "r");

	while (f && fgets(line, sizeof(line), f)) {
		json_t *e = json_loads(line, 0, NULL);
		const char *verb = json_string_value(json_object_get(e, "verb"));
		const char *path = json_string_value(json_object_get(e, "path"));
		if (verb && path &&
		    (!strcmp(verb, "create") || !strcmp(verb, "update") ||
		     !strcmp(verb, "patch") || !strcmp(verb, "delete")))
			strbuf_addf(&sb, "%s %s\n", verb, path);
		json_decref(e);
	}
	if (f)
		fclose(f);
	return strbuf_detach(&sb, NULL);
}

struct fixture {
	struct source *src;
	struct spec_repo *spec;
	struct deploy_opts o;
	char *kubeconfig, *cache;
};

static int open_repo(struct fixture *fx)
{
	struct source_options so = SOURCE_OPTIONS_INIT;
	struct gerr err = GERR_INIT;
	char *dir = xasprintf("%s/repo", tmp);

	so.repo = dir;
	fx->src = source_open(&so, &err);
	fx->spec = fx->src ? spec_load(fx->src, &err) : NULL;
	if (!fx->spec)
		t_diag("repo: %s", gerr_msg(&err));
	gerr_clear(&err);
	free(dir);
	fx->o = (struct deploy_opts)DEPLOY_OPTS_INIT;
	kube_client_opts_init(&fx->o.client);
	fx->kubeconfig = xasprintf("%s/kubeconfig", tmp);
	fx->cache = xasprintf("%s/cache", tmp);
	fx->o.client.cache_dir = fx->cache;
	fx->o.cfg.kubeconfig = fx->kubeconfig;
	fx->o.src = fx->src;
	fx->o.repo = fx->spec;
	fx->o.env = "dev";
	fx->o.timeout_ms = 20000;
	return fx->spec ? 0 : -1;
}

static void close_repo(struct fixture *fx)
{
	spec_free(fx->spec);
	source_free(fx->src);
	free(fx->kubeconfig);
	free(fx->cache);
}

static const struct deploy_app_result *result_of(const struct deploy_result *r,
						 const char *app)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].app, app))
			return &r->v[i];
	return NULL;
}

/* Line numbers (1-based) of the first and last lines of text holding
 * needle; 0 when none. */
static void lines_with(const char *text, const char *needle, int *first,
		       int *last)
{
	int n = 1;

	*first = *last = 0;
	for (const char *p = text; *p; n++) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = xstrndup(p, len);
		if (strstr(line, needle)) {
			if (!*first)
				*first = n;
			*last = n;
		}
		free(line);
		p += len + (eol != NULL);
	}
}

static void test_apply_order_and_skips(const char *audit)
{
	struct fixture fx;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	struct gerr err = GERR_INIT;
	const struct deploy_app_result *a, *b, *bad, *d;
	int a_first, a_last, b_first, b_last;

	if (open_repo(&fx) < 0) {
		close_repo(&fx);
		return;
	}
	t_int(deploy_apply(&fx.o, &res, &err), 0, "deploy_apply: every app "
	      "attempted (%s)", gerr_msg(&err));
	/* spec_order: level 0 by name (a, bad), then level 1 (b, d) */
	t_int((long long)res.n, 4, "four results");
	if (res.n == 4) {
		t_str(res.v[0].app, "a", "spec_order 0");
		t_str(res.v[1].app, "bad", "spec_order 1");
		t_str(res.v[2].app, "b", "spec_order 2");
		t_str(res.v[3].app, "d", "spec_order 3");
	}
	a = result_of(&res, "a");
	b = result_of(&res, "b");
	bad = result_of(&res, "bad");
	d = result_of(&res, "d");
	if (!a || !b || !bad || !d)
		goto out;
	t_int(a->state, DEPLOY_APP_APPLIED, "a applied");
	t_int(a->res.outcome, APPLY_SUCCEEDED, "a healthy");
	/* Namespace, ConfigMap */
	t_int((long long)a->res.created, 2, "a created its two objects");
	t_str(a->namespace, "ns-a", "a's namespace");
	t_str(a->context, "kubesim", "a's context from the environment");
	t_int(b->state, DEPLOY_APP_APPLIED, "b applied after a");
	t_int(bad->state, DEPLOY_APP_ERROR, "bad failed");
	t_ok(!strncmp(gerr_msg(&bad->err), "Service/ns-bad/svc: ", 20),
	     "bad's error names its object: %s", gerr_msg(&bad->err));
	t_int(d->state, DEPLOY_APP_SKIPPED, "d skipped");
	t_str(gerr_msg(&d->err), "not applied: it depends on bad, which failed",
	      "d's reason names its dependency");
	t_int(deploy_exit_code(&res), 1, "exit code 1: an error and a skip");

	/* b started only once a was done: every write of b's namespace
	 * (objects and inventory) comes after the last of a's */
	char *w = audit_writes(audit);
	lines_with(w, "/namespaces/ns-a/", &a_first, &a_last);
	lines_with(w, "/namespaces/ns-b/", &b_first, &b_last);
	t_ok(a_last > 0 && b_first > a_last,
	     "b's first write (line %d) after a's last (line %d)", b_first,
	     a_last);
	lines_with(w, "/namespaces/ns-d/", &b_first, &b_last);
	t_int(b_first, 0, "nothing of d was written");
	free(w);
out:
	deploy_result_clear(&res);
	gerr_clear(&err);
	close_repo(&fx);
}

static void test_second_apply_and_status(const char *audit)
{
	struct fixture fx;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	struct deploy_status *st = NULL;
	size_t n = 0;
	struct gerr err = GERR_INIT;
	const char *names[] = { "b" };
	char *before, *after;

	if (open_repo(&fx) < 0) {
		close_repo(&fx);
		return;
	}
	/* b alone: its dependency a is outside the selection and there */
	before = audit_writes(audit);
	fx.o.apps = names;
	fx.o.napps = 1;
	t_int(deploy_apply(&fx.o, &res, &err), 0, "apply b again");
	t_int((long long)res.n, 1, "only b");
	if (res.n == 1) {
		t_int(res.v[0].state, DEPLOY_APP_APPLIED, "b applied");
		t_int((long long)res.v[0].res.unchanged, 2, "b: 2 unchanged");
		t_int(deploy_exit_code(&res), 0, "exit code 0");
	}
	after = audit_writes(audit);
	t_str(after, before, "a second apply writes nothing");
	free(before);
	free(after);
	deploy_result_clear(&res);

	/* status of every app */
	fx.o.apps = NULL;
	fx.o.napps = 0;
	t_int(deploy_status(&fx.o, &st, &n, &err), 0, "deploy_status");
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(st[i].app, "a")) {
			t_ok(st[i].revision &&
				     !strncmp(st[i].revision, "sha256:", 7),
			     "a: outside git the revision is the digest (%s)",
			     st[i].revision ? st[i].revision : "null");
			t_str(st[i].outcome, "Succeeded", "a: outcome");
			t_int(st[i].in_sync, 1, "a: in sync");
			t_int((long long)st[i].nr_objects, 2, "a: 2 objects");
			t_int(st[i].health, HEALTH_HEALTHY, "a: Healthy");
		} else if (!strcmp(st[i].app, "d")) {
			/* never applied: no inventory, both objects missing */
			t_ok(st[i].revision == NULL, "d: no revision");
			t_int(st[i].in_sync, 0, "d: not in sync");
			t_int((long long)st[i].changes, 2, "d: 2 changes");
			t_int(st[i].health, HEALTH_MISSING, "d: Missing");
			t_ok(!gerr_failed(&st[i].err), "d: no error");
		} else if (!strcmp(st[i].app, "bad")) {
			t_str(st[i].outcome, "Failed", "bad: outcome Failed");
		}
	}
	deploy_status_free(st, n);

	/* a change in a: the plan shows it, against the digest applied */
	write_file("repo/apps/a/m/objects.yaml",
		   "apiVersion: v1\nkind: ConfigMap\n"
		   "metadata: {name: cm-a}\ndata: {k: v2}\n");
	names[0] = "a";
	fx.o.apps = names;
	fx.o.napps = 1;
	t_int(deploy_plan(&fx.o, &res, &err), 0, "deploy_plan a");
	if (res.n == 1) {
		t_int(res.v[0].state, DEPLOY_APP_APPLIED, "a planned");
		t_int((long long)res.v[0].plan.count[DIFF_UPDATE], 1,
		      "one update");
		t_ok(res.v[0].live_revision &&
			     !strncmp(res.v[0].live_revision, "sha256:", 7),
		     "the inventory's revision");
		t_ok(res.v[0].revision == NULL,
		     "no git: no revision of the source");
	}
	deploy_result_clear(&res);
	gerr_clear(&err);
	close_repo(&fx);
}

static void test_render_error(const char *audit)
{
	struct fixture fx;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	struct gerr err = GERR_INIT;
	char *before, *after, *want;

	write_file("repo/apps/b/m/objects.yaml",
		   "apiVersion: v1\nkind: ConfigMap\n"
		   "metadata: {name: cm-b\ndata: {k: v1}\n");
	if (open_repo(&fx) < 0) {
		close_repo(&fx);
		return;
	}
	before = audit_writes(audit);
	t_int(deploy_apply(&fx.o, &res, &err), -1,
	      "a render error stops everything");
	/* app.yaml's line 9 is the source ("    - manifests: m/"), its
	 * value at column 7; then the manifest's own position */
	want = xasprintf("%s/repo/apps/b/app.yaml:9:7: spec.sources[0]: "
			 "%s/repo/apps/b/m/objects.yaml:", tmp, tmp);
	t_ok(!strncmp(gerr_msg(&err), want, strlen(want)),
	     "the error names the app and the file: %s", gerr_msg(&err));
	t_int((long long)res.n, 0, "no results");
	after = audit_writes(audit);
	t_str(after, before, "nothing written");
	free(after);
	free(want);
	gerr_clear(&err);

	/* independent: b fails alone, a is applied (unchanged: a plan
	 * was made above, not applied) */
	fx.o.independent = 1;
	t_int(deploy_apply(&fx.o, &res, &err), 0, "independent apply");
	const struct deploy_app_result *a = result_of(&res, "a");
	const struct deploy_app_result *b = result_of(&res, "b");
	if (a && b) {
		t_int(a->state, DEPLOY_APP_APPLIED, "a applied alone");
		t_int((long long)a->res.updated, 1, "a updated its ConfigMap");
		t_int(b->state, DEPLOY_APP_ERROR, "b: its render error");
		t_ok(strstr(gerr_msg(&b->err), "objects.yaml:") != NULL,
		     "b's error names its file");
	}
	free(before);
	deploy_result_clear(&res);
	gerr_clear(&err);
	close_repo(&fx);
}

int main(void)
{
	char *audit, *cmd;
	struct sim *s;

	mem_init();
	signal(SIGPIPE, SIG_IGN);
	strcpy(tmp, "/tmp/gantry-deploy-XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	make_repo();
	audit = xasprintf("%s/audit.log", tmp);
	s = start_sim(audit);
	t_ok(s != NULL, "kubesim started");
	if (s) {
		test_apply_order_and_skips(audit);
		test_second_apply_and_status(audit);
		test_render_error(audit);
	}
	sim_free(s);
	cmd = xasprintf("rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		t_diag("could not remove %s", tmp);
	free(cmd);
	free(audit);
	return t_done();
}
