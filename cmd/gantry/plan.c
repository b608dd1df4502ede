/* gantry plan [APP...] | gantry plan PATH... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/gantry/cmd.h"
#include "pkg/apply/apply.h"
#include "pkg/base/strbuf.h"
#include "pkg/deploy/deploy.h"
#include "pkg/diff/diff.h"
#include "pkg/kube/kube.h"
#include "pkg/object/object.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

const char plan_usage[] =
	"usage: gantry plan [options] [APP...] [--env ENV] [--repo DIR|URL]\n"
	"                   [--revision REV]\n"
	"       gantry plan [options] PATH...\n"
	"\n"
	"Show what applying the apps of a repository (a gantry.yaml; all apps\n"
	"when none is named) would change, app by app, each against its own\n"
	"context and namespace, prunes included when the app prunes; and\n"
	"which revision the cluster runs now (from each app's inventory). The\n"
	"plan of an older --revision is what the rollback reverts.\n"
	"\n"
	"For paths, show what applying the manifests would change: each\n"
	"object's live state is read and compared with a three-way merge, as\n"
	"kubectl apply merges (fields removed since the last apply are\n"
	"removed; fields only the cluster set are kept). Inputs are read as\n"
	"'gantry render' reads them. Nothing in the cluster is changed.\n"
	"\n"
	"Options:\n"
	"      --kubeconfig FILE        use this kubeconfig file only\n"
	"      --context NAME           the kubeconfig context to use\n"
	"  -n, --namespace NS           namespace of objects that name none\n"
	"      --concurrency N          requests in flight at once (64)\n"
	"      --request-timeout TIME   limit for one request (\"30s\"; 0: no\n"
	"                               limit, the default)\n"
	"  -o, --output FORMAT          text (default) or json\n"
	"      --no-color               never color the output\n"
	"      --detailed-exitcode      exit with 2 when there are changes\n"
	"      --out FILE               also save the plan to FILE, for apply\n"
	"      --diff-rules FILE        ignoreDifferences and sensitive rules\n"
	"      --app NAME               plan as 'gantry apply --app NAME' will\n"
	"                               apply (its label, its inventory)\n"
	"      --prune                  with --app: also list the app's objects\n"
	"                               that prune would delete\n"
	"  -v, --v LEVEL                log to stderr as kubectl -v does (6: one\n"
	"                               line per request)\n"
	"  -h, --help                   show this help\n"
	"\n"
	"App options:\n"
	"      --env ENV                the environment (gantry.yaml): its\n"
	"                               overlays, values and kube context\n"
	"      --repo DIR|URL           the repository (default: the current\n"
	"                               directory); a URL is cloned into\n"
	"                               $XDG_CACHE_HOME/gantry/repos\n"
	"      --revision REV           read this commit (branch, tag, commit,\n"
	"                               HEAD~1) from git, not the working tree\n"
	"      --ssh-key FILE           the private key for an ssh URL\n"
	"With apps, --prune plans prunes for every app, and --context wins\n"
	"over the environment's context.\n"
	"\n"
	"Exit status: 0 done (and no changes with --detailed-exitcode),\n"
	"1 error, 2 changes with --detailed-exitcode.\n";

struct plan_args {
	struct kube_config_opts cfg;
	struct kube_client_opts client;
	const char *output, *out_file, *rules_file, *app;
	int no_color, detailed, help, prune;
	struct repo_args ra;
	int app_opts;   /* an app option was given */
	int apps;       /* the arguments are app names */
};

enum { OPT_ENV = 256, OPT_REPO, OPT_REVISION, OPT_SSH_KEY };

static int check_paths_args(int argc, struct plan_args *a);

static int parse_args(int argc, char **argv, struct plan_args *a)
{
	static const struct option opts[] = {
		{ "kubeconfig", required_argument, NULL, 'K' },
		{ "context", required_argument, NULL, 'C' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "request-timeout", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "detailed-exitcode", no_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'O' },
		{ "diff-rules", required_argument, NULL, 'R' },
		{ "app", required_argument, NULL, 'A' },
		{ "prune", no_argument, NULL, 'P' },
		{ "v", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "revision", required_argument, NULL, OPT_REVISION },
		{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:o:v:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ENV: a->ra.env = optarg; a->app_opts = 1; break;
		case OPT_REPO: a->ra.repo = optarg; a->app_opts = 1; break;
		case OPT_REVISION: a->ra.revision = optarg; a->app_opts = 1; break;
		case OPT_SSH_KEY: a->ra.ssh_key = optarg; a->app_opts = 1; break;
		case 'K': a->cfg.kubeconfig = optarg; break;
		case 'C': a->cfg.context = optarg; break;
		case 'n': a->cfg.namespace = optarg; break;
		case 'o': a->output = optarg; break;
		case 'N': a->no_color = 1; break;
		case 'D': a->detailed = 1; break;
		case 'O': a->out_file = optarg; break;
		case 'R': a->rules_file = optarg; break;
		case 'A': a->app = optarg; break;
		case 'P': a->prune = 1; break;
		case 'c':
			if (cmd_int_arg(optarg, 1, &a->client.concurrency) < 0)
				return cmd_usage_error("plan",
						       "--concurrency needs a "
						       "number of at least 1, "
						       "not '%s'",
						       optarg);
			break;
		case 'T':
			if (cmd_duration_arg("plan", "--request-timeout", optarg,
					     &a->client.request_timeout_ms))
				return 1;
			break;
		case 'v':
			if (cmd_verbosity_arg("plan", optarg,
					      &a->client.verbosity))
				return 1;
			break;
		case 'h':
			a->help = 1;
			return 0;
		default:
			return cmd_usage_error("plan", "bad option");
		}
	}
	if (cmd_output_arg("plan", a->output))
		return 1;
	if (a->app)
		return check_paths_args(argc, a);
	int paths = repo_args_are_paths("plan", a->app_opts, argv + optind,
					argc - optind);
	if (paths < 0)
		return 1;
	if (optind >= argc && !a->app_opts && access("gantry.yaml", F_OK) < 0)
		return cmd_usage_error("plan",
				       "no input: give app names (in a "
				       "repository with a gantry.yaml), or "
				       "manifest files or directories");
	a->apps = !paths || optind >= argc;
	if (!a->apps)
		return check_paths_args(argc, a);
	if (a->out_file)
		return cmd_usage_error("plan",
				       "--out saves one app's plan: use --app "
				       "NAME with manifest paths");
	if (a->rules_file)
		return cmd_usage_error("plan",
				       "--diff-rules goes with manifest paths: "
				       "an app's rules come from its spec");
	if (a->cfg.namespace)
		return cmd_usage_error("plan",
				       "--namespace goes with manifest paths: "
				       "an app's namespace comes from its spec");
	return 0;
}

/* The checks of the paths form. */
static int check_paths_args(int argc, struct plan_args *a)
{
	if (a->app_opts)
		return cmd_usage_error("plan",
				       "--env, --repo, --revision and --ssh-key "
				       "are for the apps of a repository, not "
				       "manifest paths");
	if (optind >= argc)
		return cmd_usage_error("plan",
				       "no input: give manifest files or "
				       "directories");
	if (a->cfg.namespace && !*a->cfg.namespace)
		return cmd_usage_error("plan", "--namespace must not be empty");
	if (a->prune && !a->app)
		return cmd_usage_error("plan",
				       "--prune needs --app NAME: the inventory "
				       "of the app says what prune deletes");
	return 0;
}

static struct diff_rules *load_rules(const char *file, struct gerr *err)
{
	struct diff_rules *r = diff_rules_new();
	size_t len;
	char *text;
	json_t *doc;

	if (!file)
		return r;
	text = source_read_file(file, &len, err);
	doc = text ? yaml_parse_value(text, len, file, err) : NULL;
	free(text);
	if (!doc || diff_rules_add_json(r, doc, file, err) < 0) {
		json_decref(doc);
		diff_rules_free(r);
		return NULL;
	}
	json_decref(doc);
	return r;
}

static int use_color(const struct plan_args *a)
{
	const char *nc = getenv("NO_COLOR");
	return !a->no_color && !(nc && *nc) && isatty(STDOUT_FILENO);
}

/* "App web (namespace shop, context prod): revision A -> B": where the
 * app goes, and which revision the cluster runs against the one
 * planned. */
static void app_header(const struct deploy_app_result *r, struct strbuf *out)
{
	char live[64], now[64];

	repo_short_revision(r->live_revision, live, sizeof(live));
	repo_short_revision(r->revision, now, sizeof(now));
	strbuf_addf(out, "App %s (namespace %s, context %s): ", r->app,
		    r->namespace, r->context ? r->context : "(none)");
	if (!r->live_revision)
		strbuf_addf(out, "not applied yet%s%s\n",
			    r->revision ? ", revision " : "",
			    r->revision ? now : "");
	else if (!r->revision)
		strbuf_addf(out, "applied revision %s\n", live);
	else if (!strcmp(r->live_revision, r->revision))
		strbuf_addf(out, "revision %s\n", now);
	else
		strbuf_addf(out, "revision %s -> %s\n", live, now);
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void write_apps_json(const struct deploy_result *res,
			    struct strbuf *out)
{
	json_t *doc = json_object(), *apps = json_array();

	json_object_set_new(doc, "kind", json_string("AppPlans"));
	json_object_set_new(doc, "version", json_integer(1));
	for (size_t i = 0; i < res->n; i++) {
		const struct deploy_app_result *r = &res->v[i];
		int ok = r->state == DEPLOY_APP_APPLIED;
		json_t *o = json_object();
		json_object_set_new(o, "app", json_string(r->app));
		json_object_set_new(o, "namespace", str_or_null(r->namespace));
		json_object_set_new(o, "context", str_or_null(r->context));
		json_object_set_new(o, "liveRevision",
				    str_or_null(r->live_revision));
		json_object_set_new(o, "revision", str_or_null(r->revision));
		json_object_set_new(o, "error",
				    ok ? json_null()
				       : json_string(gerr_msg(&r->err)));
		json_object_set_new(o, "plan",
				    ok ? diff_set_to_json(&r->plan)
				       : json_null());
		json_array_append_new(apps, o);
	}
	json_object_set_new(doc, "apps", apps);
	yaml_write_json(out, doc, YAML_JSON_PRETTY);
	strbuf_addch(out, '\n');
	json_decref(doc);
}

static void write_apps_text(const struct deploy_result *res, unsigned flags,
			    struct strbuf *out)
{
	size_t total[DIFF_NR_ACTIONS] = { 0 }, planned = 0;

	for (size_t i = 0; i < res->n; i++) {
		const struct deploy_app_result *r = &res->v[i];
		if (r->state != DEPLOY_APP_APPLIED)
			continue;
		app_header(r, out);
		diff_write_text(&r->plan, flags, out);
		strbuf_addch(out, '\n');
		for (int k = 0; k < DIFF_NR_ACTIONS; k++)
			total[k] += r->plan.count[k];
		planned++;
	}
	if (planned > 1)
		strbuf_addf(out,
			    "Total: %zu to create, %zu to update, %zu to "
			    "delete, %zu unchanged, in %zu apps.\n",
			    total[DIFF_CREATE], total[DIFF_UPDATE],
			    total[DIFF_DELETE], total[DIFF_UNCHANGED], planned);
}

/* gantry plan [APP...]: every app against its cluster, through
 * pkg/deploy (as gantry apply will apply them). */
static int plan_apps(struct plan_args *a, const char *const *names, size_t n)
{
	struct source *src = NULL;
	struct spec_repo *spec = NULL;
	struct deploy_opts o = DEPLOY_OPTS_INIT;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	struct strvec warnings = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	int rc, changes = 0, failed = 0;

	if (repo_open(&a->ra, &src, &spec, &err) < 0)
		goto fail;
	o.src = src;
	o.repo = spec;
	o.env = a->ra.env;
	o.apps = names;
	o.napps = n;
	o.cfg = a->cfg;
	o.client = a->client;
	o.prune = a->prune ? 1 : -1;
	o.warnings = &warnings;
	rc = deploy_plan(&o, &res, &err);
	for (size_t i = 0; i < warnings.nr; i++)
		fprintf(stderr, "warning: %s\n", warnings.v[i]);
	if (rc < 0)
		goto fail;
	if (!strcmp(a->output, "json"))
		write_apps_json(&res, &out);
	else
		write_apps_text(&res, use_color(a) ? DIFF_COLOR : 0, &out);
	if (cmd_write_stdout(out.buf, out.len, &err) < 0)
		goto fail;
	for (size_t i = 0; i < res.n; i++) {
		if (res.v[i].state != DEPLOY_APP_APPLIED) {
			fprintf(stderr, "error: %s: %s\n", res.v[i].app,
				gerr_msg(&res.v[i].err));
			failed = 1;
		}
		changes += diff_set_changes(&res.v[i].plan) > 0;
	}
	rc = failed ? 1 : a->detailed && changes ? 2 : 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	strvec_clear(&warnings);
	strbuf_release(&out);
	deploy_result_clear(&res);
	gerr_clear(&err);
	spec_free(spec);
	source_free(src);
	return rc;
}

int cmd_plan(int argc, char **argv)
{
	struct plan_args a = { .output = "text" };
	struct obj_list objs = OBJ_LIST_INIT;
	struct diff_set set = DIFF_SET_INIT;
	struct diff_rules *rules = NULL;
	struct kube_client *client = NULL;
	struct kube_config *cfg;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	int rc;

	kube_client_opts_init(&a.client);
	if (parse_args(argc, argv, &a))
		return 1;
	if (a.help) {
		fputs(plan_usage, stdout);
		return 0;
	}
	if (a.apps)
		return plan_apps(&a, (const char *const *)argv + optind,
				 (size_t)(argc - optind));

	/* everything local first: bad input never reaches a cluster */
	if (obj_list_load_paths(&objs, (const char *const *)argv + optind,
				(size_t)(argc - optind), &err) < 0 ||
	    obj_list_check_duplicates(&objs, &err) < 0 ||
	    !(rules = load_rules(a.rules_file, &err)))
		goto fail;
	cfg = kube_config_load(&a.cfg, &err);
	if (!cfg || !(client = kube_client_new(cfg, &a.client, &err)))
		goto fail;
	if (a.app ? apply_plan(client, &objs,
			       &(struct apply_opts){ .app = a.app,
						     .namespace = a.cfg.namespace,
						     .rules = rules,
						     .prune = a.prune },
			       &set, &err) < 0
		  : diff_plan(client, &objs,
			      &(struct diff_plan_opts){ .rules = rules }, &set,
			      &err) < 0)
		goto fail;
	if (!strcmp(a.output, "json"))
		diff_write_json(&set, &out);
	else
		diff_write_text(&set, use_color(&a) ? DIFF_COLOR : 0, &out);
	if ((a.out_file && diff_save(&set, a.out_file, &err) < 0) ||
	    cmd_write_stdout(out.buf, out.len, &err) < 0)
		goto fail;
	rc = a.detailed && diff_set_changes(&set) ? 2 : 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	gerr_clear(&err);
	strbuf_release(&out);
	diff_set_clear(&set);
	kube_client_free(client);
	diff_rules_free(rules);
	obj_list_clear(&objs);
	return rc;
}
