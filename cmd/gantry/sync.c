/* gantry sync: keep clusters equal to a branch. The loop is pkg/sync's;
 * here its ops are wired to pkg/source (fetch), pkg/app (render, for the
 * digests) and pkg/deploy (check and apply). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cmd/gantry/cmd.h"
#include "pkg/app/app.h"
#include "pkg/base/mem.h"
#include "pkg/deploy/deploy.h"
#include "pkg/kube/kube.h"
#include "pkg/report/report.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"
#include "pkg/sync/sync.h"
#include "pkg/yaml/yaml.h"

const char sync_usage[] =
	"usage: gantry sync --repo URL|DIR [options] [APP...]\n"
	"\n"
	"Keep the cluster equal to a branch: fetch it every interval; when its\n"
	"commit changes, render the apps (all, or the APPs named) and apply\n"
	"those whose objects changed, in dependsOn order; between commits,\n"
	"every drift interval, compare the apps with the cluster and apply\n"
	"again what was changed or deleted by hand. An app that fails is\n"
	"retried with backoff; the others go on. Runs until SIGTERM or SIGINT\n"
	"(the apply in progress finishes its step and writes its inventory);\n"
	"SIGHUP re-reads the configuration.\n"
	"\n"
	"Options:\n"
	"      --repo URL|DIR           the repository: a URL (cloned into the\n"
	"                               cache and fetched) or a local repository\n"
	"      --branch NAME            the branch to follow (default: the\n"
	"                               remote's default branch, or HEAD)\n"
	"      --env NAME               the environment of gantry.yaml\n"
	"      --ssh-key FILE           the private key for ssh:// and scp-like\n"
	"                               URLs (default: the ssh agent)\n"
	"      --interval TIME          how often to fetch (\"1m\", the default)\n"
	"      --drift-interval TIME    how often to compare with the cluster\n"
	"                               (\"5m\", the default; 0: never)\n"
	"      --no-self-heal           report drift, do not correct it\n"
	"      --backoff TIME           first retry of a failed app (\"5s\");\n"
	"                               doubles after each failure...\n"
	"      --max-backoff TIME       ...up to this (\"3m\")\n"
	"      --once                   one pass, then exit (0 in sync, 1 error,\n"
	"                               3 unhealthy)\n"
	"      --listen [HOST:]PORT     serve /healthz, /readyz, /status,\n"
	"                               /metrics and POST /hooks/git (host\n"
	"                               127.0.0.1 unless given; port 0: any)\n"
	"      --webhook-secret SECRET  accept only hooks signed with it\n"
	"                               (X-Hub-Signature-256)\n"
	"      --webhook-secret-file FILE\n"
	"                               the same, read from FILE (again on\n"
	"                               SIGHUP)\n"
	"      --kubeconfig FILE        use this kubeconfig file only\n"
	"      --context NAME           the kubeconfig context for every app\n"
	"      --timeout TIME           limit for each wait (default: each\n"
	"                               app's sync.timeout)\n"
	"      --parallel N             apps applied at once (4)\n"
	"      --request-timeout TIME   limit for one request (\"30s\"; 0: no\n"
	"                               limit)\n"
	"  -o, --output FORMAT          text (timestamped lines, the default)\n"
	"                               or json (one event per line)\n"
	"  -v, --v LEVEL                log requests to stderr as kubectl -v\n"
	"  -h, --help                   show this help\n"
	"\n"
	"Exit status: 0 when stopped by a signal (or, with --once, in sync),\n"
	"1 error, 3 with --once when an app is not healthy.\n";

struct sync_args {
	const char *repo, *branch, *env, *ssh_key, *listen, *output;
	const char *secret, *secret_file;
	struct sync_opts so;
	struct kube_config_opts cfg;
	struct kube_client_opts client;
	long timeout_ms;
	int parallel, help;
	const char *const *apps;
	size_t napps;
};

/* What the ops share: the repository at the commit last fetched. */
struct sync_ctx {
	struct sync_args *a;
	struct source *src;
	struct spec_repo *spec;
	char *commit;
	struct report *report;
	struct sync_http *http;
};

static struct sync_loop *signal_loop;

static void on_signal(int sig)
{
	if (signal_loop)
		sync_signal(signal_loop, sig);
}

/* ------------------------------------------------------------------ */
/* Arguments                                                            */

static int parse_args(int argc, char **argv, struct sync_args *a)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "branch", required_argument, NULL, 'b' },
		{ "env", required_argument, NULL, 'e' },
		{ "ssh-key", required_argument, NULL, 'k' },
		{ "interval", required_argument, NULL, 'i' },
		{ "drift-interval", required_argument, NULL, 'D' },
		{ "no-self-heal", no_argument, NULL, 'N' },
		{ "backoff", required_argument, NULL, 'B' },
		{ "max-backoff", required_argument, NULL, 'M' },
		{ "once", no_argument, NULL, '1' },
		{ "listen", required_argument, NULL, 'l' },
		{ "webhook-secret", required_argument, NULL, 's' },
		{ "webhook-secret-file", required_argument, NULL, 'S' },
		{ "kubeconfig", required_argument, NULL, 'K' },
		{ "context", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "parallel", required_argument, NULL, 'p' },
		{ "request-timeout", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "v", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:v:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': a->repo = optarg; break;
		case 'b': a->branch = optarg; break;
		case 'e': a->env = optarg; break;
		case 'k': a->ssh_key = optarg; break;
		case 'N': a->so.no_self_heal = 1; break;
		case '1': a->so.once = 1; break;
		case 'l': a->listen = optarg; break;
		case 's': a->secret = optarg; break;
		case 'S': a->secret_file = optarg; break;
		case 'K': a->cfg.kubeconfig = optarg; break;
		case 'C': a->cfg.context = optarg; break;
		case 'o': a->output = optarg; break;
		case 'i':
			if (cmd_duration_arg("sync", "--interval", optarg,
					 &a->so.interval_ms))
				return 1;
			if (a->so.interval_ms <= 0)
				return cmd_usage_error("sync", "--interval must "
						       "be more than 0");
			break;
		case 'D':
			if (cmd_duration_arg("sync", "--drift-interval", optarg,
					 &a->so.drift_interval_ms))
				return 1;
			break;
		case 'B':
			if (cmd_duration_arg("sync", "--backoff", optarg,
					 &a->so.backoff_ms))
				return 1;
			break;
		case 'M':
			if (cmd_duration_arg("sync", "--max-backoff", optarg,
					 &a->so.max_backoff_ms))
				return 1;
			break;
		case 't':
			if (cmd_duration_arg("sync", "--timeout", optarg, &a->timeout_ms))
				return 1;
			if (!a->timeout_ms)
				a->timeout_ms = -1; /* deploy's "no limit" */
			break;
		case 'T':
			if (cmd_duration_arg("sync", "--request-timeout", optarg,
					 &a->client.request_timeout_ms))
				return 1;
			break;
		case 'p':
			if (cmd_int_arg(optarg, 1, &a->parallel) < 0)
				return cmd_usage_error("sync",
						       "--parallel needs a "
						       "number of at least 1, "
						       "not '%s'",
						       optarg);
			break;
		case 'v':
			if (cmd_verbosity_arg("sync", optarg,
					      &a->client.verbosity))
				return 1;
			break;
		case 'h':
			a->help = 1;
			return 0;
		default:
			return cmd_usage_error("sync", "bad option");
		}
	}
	if (cmd_output_arg("sync", a->output))
		return 1;
	if (!a->repo)
		return cmd_usage_error("sync", "--repo URL|DIR is required: "
				       "the repository to follow");
	if (a->secret && a->secret_file)
		return cmd_usage_error("sync", "give --webhook-secret or "
				       "--webhook-secret-file, not both");
	if (a->so.backoff_ms <= 0)
		return cmd_usage_error("sync", "--backoff must be more than 0");
	if (a->so.max_backoff_ms < a->so.backoff_ms)
		return cmd_usage_error("sync", "--max-backoff must not be less "
				       "than --backoff");
	a->apps = (const char *const *)argv + optind;
	a->napps = (size_t)(argc - optind);
	return 0;
}

/* The webhook secret from its file: the first line, without its end. */
static char *read_secret(const char *file, struct gerr *err)
{
	size_t len;
	char *s = source_read_file(file, &len, err);

	if (!s)
		return NULL;
	s[strcspn(s, "\r\n")] = '\0';
	if (!*s) {
		free(s);
		gerr_setc(err, GERR_INPUT, "%s: the webhook secret is empty",
			  file);
		return NULL;
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* The ops                                                              */

/* Open the repository at rev: a fetch first for a URL (pkg/source). */
static int open_at(struct sync_ctx *x, const char *rev, struct gerr *err)
{
	struct source_options so = SOURCE_OPTIONS_INIT;
	struct source *src;
	struct spec_repo *spec = NULL;

	so.repo = x->a->repo;
	so.revision = rev;
	so.ssh_key = x->a->ssh_key;
	if (!(src = source_open(&so, err)))
		return -1;
	if (!source_is_commit(src)) {
		source_free(src);
		return gerr_setc(err, GERR_INPUT,
				 "%s: not a git repository", x->a->repo);
	}
	/* a commit whose gantry.yaml is broken is still the branch's
	 * commit: the render op reports it */
	spec = spec_load(src, NULL);
	if (spec && spec_check_env(spec, x->a->env, NULL) < 0) {
		spec_free(spec);
		spec = NULL;
	}
	spec_free(x->spec);
	source_free(x->src);
	free(x->commit);
	x->src = src;
	x->spec = spec;
	x->commit = xstrdup(source_revision(src));
	return 0;
}

/* The repository at commit, spec loaded; err when it does not load. */
static int at_commit(struct sync_ctx *x, const char *commit,
		     struct gerr *err)
{
	if ((!x->commit || strcmp(x->commit, commit)) &&
	    open_at(x, commit, err) < 0)
		return -1;
	if (x->spec)
		return 0;
	/* load again for the message */
	struct spec_repo *spec = spec_load(x->src, err);
	if (spec && spec_check_env(spec, x->a->env, err) == 0) {
		x->spec = spec;
		return 0;
	}
	spec_free(spec);
	return -1;
}

static int op_fetch(void *data, char **commit, struct gerr *err)
{
	struct sync_ctx *x = data;

	if (open_at(x, x->a->branch ? x->a->branch : "HEAD", err) < 0)
		return -1;
	*commit = xstrdup(x->commit);
	return 0;
}

/* Add a file of the repository to the digest (absent: nothing). */
static void digest_file(EVP_MD_CTX *md, const struct source *src,
			const char *path)
{
	size_t len;
	char *text = source_read(src, path, &len, NULL);

	if (text)
		EVP_DigestUpdate(md, text, len);
	EVP_DigestUpdate(md, "\0", 1);
	free(text);
}

/* What decides an apply: the rendered objects, and the app's spec and
 * the repository's (prune, health rules, namespace... live there). */
static char *digest(const struct sync_ctx *x, const struct spec_app *app,
		    const struct obj_list *objs, size_t from)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	struct strbuf sb = STRBUF_INIT;

	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	digest_file(md, x->src, x->spec->file);
	digest_file(md, x->src, app->file);
	for (size_t i = from; i < objs->nr; i++) {
		strbuf_reset(&sb);
		yaml_write_json(&sb, objs->v[i].json, YAML_JSON_SORT_KEYS);
		EVP_DigestUpdate(md, sb.buf, sb.len + 1);
	}
	EVP_DigestFinal_ex(md, sum, &n);
	EVP_MD_CTX_free(md);
	strbuf_reset(&sb);
	for (unsigned i = 0; i < n; i++)
		strbuf_addf(&sb, "%02x", sum[i]);
	return strbuf_detach(&sb, NULL);
}

static int op_render(void *data, const char *commit, struct sync_app **v,
		     size_t *n, struct gerr *err)
{
	struct sync_ctx *x = data;
	struct spec_order order;
	struct app_render_opts ro = { 0 };
	struct obj_list objs = OBJ_LIST_INIT;

	if (at_commit(x, commit, err) < 0 ||
	    spec_order(x->spec, x->a->apps, x->a->napps, &order, err) < 0)
		return -1;
	ro.src = x->src;
	ro.repo = x->spec;
	ro.env = x->a->env;
	ro.scope = app_scope_new();
	ro.no_revision = 1;
	*v = xcalloc(order.n + 1, sizeof(**v));
	*n = order.n;
	for (size_t i = 0; i < order.n; i++) {
		const struct spec_app *app = order.v[i].app;
		struct gerr e = GERR_INIT;
		size_t from = objs.nr;

		(*v)[i].app = xstrdup(app->name);
		if (app_render(&ro, app, &objs, &e) < 0)
			(*v)[i].error = xstrdup(gerr_msg(&e));
		else
			(*v)[i].digest = digest(x, app, &objs, from);
		gerr_clear(&e);
	}
	app_scope_free(ro.scope);
	obj_list_clear(&objs);
	spec_order_clear(&order);
	return 0;
}

static void deploy_opts_for(struct sync_ctx *x, struct deploy_opts *o,
			    struct sync_app *v, size_t n,
			    const char ***names)
{
	*names = xcalloc(n + 1, sizeof(**names));
	for (size_t i = 0; i < n; i++)
		(*names)[i] = v[i].app;
	o->src = x->src;
	o->repo = x->spec;
	o->env = x->a->env;
	o->apps = *names;
	o->napps = n;
	o->cfg = x->a->cfg;
	o->client = x->a->client;
	o->timeout_ms = x->a->timeout_ms;
	o->parallel = x->a->parallel;
	o->independent = 1;
	o->report = x->report;
}

static struct sync_app *find(struct sync_app *v, size_t n, const char *app)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].app, app))
			return &v[i];
	return NULL;
}

static void count_health(const struct apply_object *obj, size_t nobj,
			 size_t health[SYNC_NR_HEALTH])
{
	for (size_t i = 0; i < nobj; i++)
		if ((int)obj[i].health < SYNC_NR_HEALTH)
			health[obj[i].health]++;
}

static int op_check(void *data, const char *commit, struct sync_app *v,
		    size_t n, struct gerr *err)
{
	struct sync_ctx *x = data;
	struct deploy_opts o = DEPLOY_OPTS_INIT;
	struct deploy_status *st = NULL;
	const char **names;
	size_t nst = 0;

	if (at_commit(x, commit, err) < 0)
		return -1;
	deploy_opts_for(x, &o, v, n, &names);
	o.report = NULL;
	int rc = deploy_status(&o, &st, &nst, err);
	for (size_t i = 0; rc == 0 && i < nst; i++) {
		struct sync_app *a = find(v, n, st[i].app);
		if (!a)
			continue;
		if (gerr_failed(&st[i].err)) {
			a->error = xstrdup(gerr_msg(&st[i].err));
			continue;
		}
		a->revision = st[i].revision ? xstrdup(st[i].revision) : NULL;
		a->in_sync = st[i].in_sync;
		a->changes = st[i].changes;
		count_health(st[i].objects, st[i].nr_objects, a->health);
	}
	deploy_status_free(st, nst);
	free(names);
	return rc;
}

/* Why an app that was applied is not healthy: its first objects that
 * are not, with their messages. */
static char *unhealthy_message(const struct apply_result *r)
{
	struct strbuf sb = STRBUF_INIT;
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < r->nr_objects; i++) {
		const struct apply_object *ob = &r->objects[i];
		if (ob->health == HEALTH_HEALTHY)
			continue;
		if (shown == 3) {
			more++;
			continue;
		}
		strbuf_addf(&sb, "%s%s: %s%s%s", shown ? "; " : "", ob->id,
			    health_status_name(ob->health),
			    ob->message ? ": " : "",
			    ob->message ? ob->message : "");
		shown++;
	}
	if (more)
		strbuf_addf(&sb, "; and %zu more", more);
	if (!sb.len)
		strbuf_addstr(&sb, "not healthy");
	return strbuf_detach(&sb, NULL);
}

static int op_apply(void *data, const char *commit, struct sync_app *v,
		    size_t n, volatile sig_atomic_t *stop, struct gerr *err)
{
	struct sync_ctx *x = data;
	struct deploy_opts o = DEPLOY_OPTS_INIT;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	const char **names;

	if (at_commit(x, commit, err) < 0)
		return -1;
	deploy_opts_for(x, &o, v, n, &names);
	o.stop = stop;
	o.finish_step = 1;
	int rc = deploy_apply(&o, &res, err);
	for (size_t i = 0; rc == 0 && i < res.n; i++) {
		const struct deploy_app_result *r = &res.v[i];
		struct sync_app *a = find(v, n, r->app);
		if (!a)
			continue;
		a->seconds = r->res.seconds;
		count_health(r->res.objects, r->res.nr_objects, a->health);
		if (r->state == DEPLOY_APP_APPLIED) {
			a->result = r->res.outcome == APPLY_SUCCEEDED
					    ? SYNC_RESULT_OK
					    : SYNC_RESULT_UNHEALTHY;
			if (a->result == SYNC_RESULT_UNHEALTHY)
				a->error = unhealthy_message(&r->res);
			continue;
		}
		if (r->res.outcome == APPLY_INTERRUPTED ||
		    r->err.code == GERR_INTERRUPTED || (*stop && r->state ==
							DEPLOY_APP_SKIPPED))
			a->result = SYNC_RESULT_INTERRUPTED;
		else
			a->result = r->state == DEPLOY_APP_SKIPPED
					    ? SYNC_RESULT_SKIPPED
					    : SYNC_RESULT_ERROR;
		a->error = xstrdup(gerr_failed(&r->err) ? gerr_msg(&r->err)
							: "failed");
	}
	deploy_result_clear(&res);
	free(names);
	return rc;
}

static int op_reload(void *data, struct gerr *err)
{
	struct sync_ctx *x = data;
	struct kube_config *cfg;

	/* deploy reads the kubeconfig on every run; reading it here tells
	 * at once whether the new one is good */
	if (!(cfg = kube_config_load(&x->a->cfg, err)))
		return -1;
	kube_config_free(cfg);
	if (x->a->secret_file && x->http) {
		char *s = read_secret(x->a->secret_file, err);
		if (!s)
			return -1;
		sync_http_set_secret(x->http, s);
		free(s);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cmd_sync(int argc, char **argv)
{
	struct sync_args a = { .output = "text", .so = SYNC_OPTS_INIT };
	struct sync_ctx x = { .a = &a };
	struct sync_ops ops = { .data = &x, .fetch = op_fetch,
				.render = op_render, .check = op_check,
				.apply = op_apply, .reload = op_reload };
	struct gerr err = GERR_INIT;
	struct sync_loop *l = NULL;
	char *secret = NULL, *shown = NULL;
	int rc;

	kube_client_opts_init(&a.client);
	if (parse_args(argc, argv, &a))
		return 1;
	if (a.help) {
		fputs(sync_usage, stdout);
		return 0;
	}
	if (a.secret_file && !(secret = read_secret(a.secret_file, &err)))
		goto fail;
	/* shown in the log, the status and the metrics: no credentials */
	shown = source_display_name(a.repo);
	a.so.repo = shown;
	a.so.branch = a.branch;
	a.so.log = stdout;
	a.so.json = !strcmp(a.output, "json");
	x.report = report_new(stdout, a.so.json ? REPORT_JSON : REPORT_PLAIN,
			      0);
	l = sync_new(&a.so, &ops);
	if (a.listen &&
	    !(x.http = sync_http_start(l, a.listen,
				       secret ? secret : a.secret, &err)))
		goto fail;
	signal_loop = l;
	catch_signals();
	rc = sync_run(l);
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	signal_loop = NULL;
	sync_http_stop(x.http);
	sync_free(l);
	report_free(x.report);
	spec_free(x.spec);
	source_free(x.src);
	free(x.commit);
	free(secret);
	free(shown);
	gerr_clear(&err);
	return rc;
}
