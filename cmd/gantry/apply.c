/* gantry apply [APP...] | gantry apply --app NAME PATH... */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/gantry/cmd.h"
#include "pkg/apply/apply.h"
#include "pkg/deploy/deploy.h"
#include "pkg/diff/diff.h"
#include "pkg/health/health.h"
#include "pkg/kube/kube.h"
#include "pkg/object/object.h"
#include "pkg/report/report.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

const char apply_usage[] =
	"usage: gantry apply [options] [APP...] [--env ENV] [--repo DIR|URL]\n"
	"                    [--revision REV]\n"
	"       gantry apply [options] --app NAME PATH...\n"
	"       gantry apply [options] --app NAME --plan FILE\n"
	"\n"
	"Apply the apps of a repository (a gantry.yaml; all apps when none is\n"
	"named) for an environment: every app is rendered first, then each\n"
	"is applied once the apps it depends on are applied and healthy,\n"
	"independent apps at the same time. Each app uses its namespace,\n"
	"kube context, rules and sync settings from its spec. With --revision\n"
	"an older commit, this is the rollback.\n"
	"\n"
	"With --app, apply the manifests to the cluster as one app. Either\n"
	"way, each app is applied in order (hooks, waves, then namespaces,\n"
	"CRDs, RBAC, config, storage, network, workloads, custom resources),\n"
	"each step's requests at once, each wave waited for until healthy,\n"
	"showing every phase as it runs.\n"
	"Objects are labelled gantry.dev/app=NAME and listed in the\n"
	"inventory ConfigMap gantry-inventory-NAME. Inputs are read as\n"
	"'gantry render' reads them; nothing is written before all of them\n"
	"are read and checked.\n"
	"\n"
	"Options:\n"
	"      --app NAME               the app the objects belong to\n"
	"                               (manifest paths)\n"
	"      --kubeconfig FILE        use this kubeconfig file only\n"
	"      --context NAME           the kubeconfig context to use\n"
	"  -n, --namespace NS           namespace of objects that name none,\n"
	"                               and of the inventory\n"
	"      --prune                  delete the app's objects that are no\n"
	"                               longer in the input\n"
	"      --wait[=true|false]      wait for each wave to be healthy\n"
	"                               (default true)\n"
	"      --timeout TIME           limit for each wait (\"5m\", the\n"
	"                               default; 0: no limit)\n"
	"      --dry-run MODE           client (plan and show, send nothing)\n"
	"                               or server (writes with dryRun=All)\n"
	"      --force-conflicts        overwrite fields another writer\n"
	"                               changed meanwhile, and take over\n"
	"                               objects of other apps\n"
	"      --replace-immutable      delete and create again objects whose\n"
	"                               immutable fields change\n"
	"      --plan FILE              apply a plan saved by 'gantry plan\n"
	"                               --app NAME --out FILE', unless the\n"
	"                               cluster changed since\n"
	"      --diff-rules FILE        ignoreDifferences and sensitive rules\n"
	"      --health-rules FILE      health rules (an app spec's 'health')\n"
	"      --concurrency N          requests in flight at once (64)\n"
	"      --request-timeout TIME   limit for one request (\"30s\"; 0: no\n"
	"                               limit, the default)\n"
	"  -o, --output FORMAT          text (default: live lines on a\n"
	"                               terminal, timestamped lines otherwise)\n"
	"                               or json (one event per line)\n"
	"      --no-color               never color the output\n"
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
	"      --parallel N             apps applied at once (4)\n"
	"With apps, --prune, --timeout and --concurrency override every\n"
	"app's sync settings, and --context its environment's context.\n"
	"\n"
	"Exit status: 0 applied and healthy, 1 error (or interrupted, or an\n"
	"app not applied), 3 applied but something is not healthy or the wait\n"
	"timed out.\n";

struct apply_args {
	struct kube_config_opts cfg;
	struct kube_client_opts client;
	struct apply_opts opts;
	const char *output, *plan_file, *rules_file, *health_file;
	int no_color, help;
	struct repo_args ra;
	int app_opts;           /* an app option was given */
	int parallel;
	int timeout_given;
};

enum { OPT_ENV = 256, OPT_REPO, OPT_REVISION, OPT_SSH_KEY, OPT_PARALLEL };

static volatile sig_atomic_t stop_requested;
static struct kube_client *signal_client;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (signal_client)
		kube_wakeup(signal_client);
}

/* Without --app: app names, unless the arguments are manifest paths
 * (then --app is missing). */
static int check_apps_args(int argc, char **argv, struct apply_args *a)
{
	int paths = repo_args_are_paths("apply", a->app_opts, argv + optind,
					argc - optind);

	if (paths < 0)
		return 1;
	if (optind < argc && paths)
		return cmd_usage_error("apply",
				       "--app NAME is required: the app the "
				       "objects belong to (their label "
				       "gantry.dev/app and inventory)");
	if (optind >= argc && !a->app_opts && access("gantry.yaml", F_OK) < 0)
		return cmd_usage_error("apply",
				       "no input: give app names (in a "
				       "repository with a gantry.yaml), or "
				       "--app NAME and manifest files or "
				       "directories");
	if (a->plan_file)
		return cmd_usage_error("apply",
				       "--plan FILE needs --app NAME: a saved "
				       "plan is one app's");
	if (a->rules_file || a->health_file)
		return cmd_usage_error("apply",
				       "--diff-rules and --health-rules go with "
				       "--app: an app's rules come from its "
				       "spec");
	if (a->cfg.namespace)
		return cmd_usage_error("apply",
				       "--namespace goes with --app: an app's "
				       "namespace comes from its spec");
	return 0;
}

static int parse_args(int argc, char **argv, struct apply_args *a)
{
	static const struct option opts[] = {
		{ "app", required_argument, NULL, 'A' },
		{ "kubeconfig", required_argument, NULL, 'K' },
		{ "context", required_argument, NULL, 'C' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "prune", no_argument, NULL, 'P' },
		{ "wait", optional_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 't' },
		{ "dry-run", required_argument, NULL, 'd' },
		{ "force-conflicts", no_argument, NULL, 'F' },
		{ "replace-immutable", no_argument, NULL, 'I' },
		{ "plan", required_argument, NULL, 'p' },
		{ "diff-rules", required_argument, NULL, 'R' },
		{ "health-rules", required_argument, NULL, 'H' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "request-timeout", required_argument, NULL, 'T' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-color", no_argument, NULL, 'N' },
		{ "v", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "revision", required_argument, NULL, OPT_REVISION },
		{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
		{ "parallel", required_argument, NULL, OPT_PARALLEL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:o:v:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ENV: a->ra.env = optarg; a->app_opts = 1; break;
		case OPT_REPO: a->ra.repo = optarg; a->app_opts = 1; break;
		case OPT_REVISION: a->ra.revision = optarg; a->app_opts = 1; break;
		case OPT_SSH_KEY: a->ra.ssh_key = optarg; a->app_opts = 1; break;
		case OPT_PARALLEL:
			if (cmd_int_arg(optarg, 1, &a->parallel) < 0)
				return cmd_usage_error("apply",
						       "--parallel needs a "
						       "number of at least 1, "
						       "not '%s'",
						       optarg);
			a->app_opts = 1;
			break;
		case 'A': a->opts.app = optarg; break;
		case 'K': a->cfg.kubeconfig = optarg; break;
		case 'C': a->cfg.context = optarg; break;
		case 'n': a->cfg.namespace = optarg; break;
		case 'P': a->opts.prune = 1; break;
		case 'F': a->opts.force_conflicts = 1; break;
		case 'I': a->opts.replace_immutable = 1; break;
		case 'p': a->plan_file = optarg; break;
		case 'R': a->rules_file = optarg; break;
		case 'H': a->health_file = optarg; break;
		case 'o': a->output = optarg; break;
		case 'N': a->no_color = 1; break;
		case 'W':
			if (!optarg || !strcmp(optarg, "true"))
				a->opts.no_wait = 0;
			else if (!strcmp(optarg, "false"))
				a->opts.no_wait = 1;
			else
				return cmd_usage_error("apply",
						       "--wait takes true or "
						       "false, not '%s'",
						       optarg);
			break;
		case 't':
			if (cmd_duration_arg("apply", "--timeout", optarg,
					 &a->opts.timeout_ms))
				return 1;
			a->timeout_given = 1;
			break;
		case 'd':
			if (!strcmp(optarg, "client"))
				a->opts.dry_run = APPLY_DRY_RUN_CLIENT;
			else if (!strcmp(optarg, "server"))
				a->opts.dry_run = APPLY_DRY_RUN_SERVER;
			else if (!strcmp(optarg, "none"))
				a->opts.dry_run = APPLY_DRY_RUN_NONE;
			else
				return cmd_usage_error("apply",
						       "--dry-run takes client, "
						       "server or none, not "
						       "'%s'",
						       optarg);
			break;
		case 'c':
			if (cmd_int_arg(optarg, 1, &a->client.concurrency) < 0)
				return cmd_usage_error("apply",
						       "--concurrency needs a "
						       "number of at least 1, "
						       "not '%s'",
						       optarg);
			a->opts.concurrency = a->client.concurrency;
			break;
		case 'T':
			if (cmd_duration_arg("apply", "--request-timeout", optarg,
					 &a->client.request_timeout_ms))
				return 1;
			break;
		case 'v':
			if (cmd_verbosity_arg("apply", optarg,
					      &a->client.verbosity))
				return 1;
			break;
		case 'h':
			a->help = 1;
			return 0;
		default:
			return cmd_usage_error("apply", "bad option");
		}
	}
	if (cmd_output_arg("apply", a->output))
		return 1;
	if (!a->opts.app)
		return check_apps_args(argc, argv, a);
	if (a->app_opts)
		return cmd_usage_error("apply",
				       "--app NAME applies manifest paths; "
				       "--env, --repo, --revision, --ssh-key "
				       "and --parallel are for the apps of a "
				       "repository");
	if (a->plan_file && optind < argc)
		return cmd_usage_error("apply",
				       "give either --plan FILE or manifests, "
				       "not both");
	if (!a->plan_file && optind >= argc)
		return cmd_usage_error("apply",
				       "no input: give manifest files or "
				       "directories, or --plan FILE");
	if (a->plan_file && a->opts.prune)
		return cmd_usage_error("apply",
				       "--prune does not go with --plan: the "
				       "saved plan says what it deletes");
	if (a->cfg.namespace && !*a->cfg.namespace)
		return cmd_usage_error("apply", "--namespace must not be empty");
	return 0;
}

/* A rules file: YAML with the keys an app spec gives them. */
static json_t *load_yaml(const char *file, struct gerr *err)
{
	size_t len;
	char *text = source_read_file(file, &len, err);
	json_t *doc = text ? yaml_parse_value(text, len, file, err) : NULL;

	free(text);
	return doc;
}

static int load_rules(struct apply_args *a, struct diff_rules **rules,
		      struct health_rules **health, struct gerr *err)
{
	json_t *doc;

	*rules = diff_rules_new();
	*health = health_rules_new();
	if (a->rules_file) {
		if (!(doc = load_yaml(a->rules_file, err)))
			return -1;
		int rc = diff_rules_add_json(*rules, doc, a->rules_file, err);
		json_decref(doc);
		if (rc < 0)
			return -1;
	}
	if (a->health_file) {
		if (!(doc = load_yaml(a->health_file, err)))
			return -1;
		if (!json_is_object(doc) || !json_object_get(doc, "health")) {
			json_decref(doc);
			return gerr_setc(err, GERR_INPUT,
					 "%s: no 'health' list in it",
					 a->health_file);
		}
		int rc = health_rules_add_json(
			*health, json_object_get(doc, "health"),
			a->health_file, err);
		json_decref(doc);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static struct report *make_report(const struct apply_args *a)
{
	const char *nc = getenv("NO_COLOR");
	int tty = isatty(STDOUT_FILENO);

	if (!strcmp(a->output, "json"))
		return report_new(stdout, REPORT_JSON, 0);
	if (!tty)
		return report_new(stdout, REPORT_PLAIN, 0);
	return report_new(stdout, REPORT_TTY,
			  a->no_color || (nc && *nc) ? 0 : REPORT_COLOR);
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* apply --plan FILE: the same changes as planned, or nothing. */
static int apply_saved(struct kube_client *client, struct apply_args *a,
		       struct apply_result *res, struct gerr *err)
{
	struct diff_set saved = DIFF_SET_INIT, now = DIFF_SET_INIT;
	struct obj_list objs = OBJ_LIST_INIT;
	int rc = -1;

	if (diff_load(a->plan_file, &saved, err) < 0)
		goto out;
	a->opts.prune = saved.count[DIFF_DELETE] > 0;
	apply_saved_objects(&saved, &objs);
	if (apply_plan(client, &objs, &a->opts, &now, err) < 0)
		goto out;
	if (apply_compare_plans(&saved, &now, err) < 0) {
		gerr_prefix(err, "%s", a->plan_file);
		goto out;
	}
	rc = apply_execute(client, &now, &a->opts, res, err);
out:
	diff_set_clear(&saved);
	diff_set_clear(&now);
	obj_list_clear(&objs);
	return rc;
}

/* What went wrong with each app that was not applied, on stderr (the
 * report showed it too, among the other apps' lines). */
static void print_app_errors(const struct deploy_result *res)
{
	for (size_t i = 0; i < res->n; i++)
		if (res->v[i].state != DEPLOY_APP_APPLIED)
			fprintf(stderr, "error: %s: %s\n", res->v[i].app,
				gerr_msg(&res->v[i].err));
}

static void print_warnings(struct strvec *warnings)
{
	for (size_t i = 0; i < warnings->nr; i++)
		fprintf(stderr, "warning: %s\n", warnings->v[i]);
	strvec_clear(warnings);
}

/* gantry apply [APP...]: the apps of a repository, through pkg/deploy. */
static int apply_apps(struct apply_args *a, const char *const *names,
		      size_t n)
{
	struct source *src = NULL;
	struct spec_repo *spec = NULL;
	struct deploy_opts o = DEPLOY_OPTS_INIT;
	struct deploy_result res = DEPLOY_RESULT_INIT;
	struct strvec warnings = STRVEC_INIT;
	struct gerr err = GERR_INIT;
	int rc;

	if (repo_open(&a->ra, &src, &spec, &err) < 0)
		goto fail;
	o.src = src;
	o.repo = spec;
	o.env = a->ra.env;
	o.apps = names;
	o.napps = n;
	o.cfg = a->cfg;
	o.client = a->client;
	o.prune = a->opts.prune ? 1 : -1;
	/* --timeout 0 means no limit; without --timeout the spec decides */
	o.timeout_ms = !a->timeout_given  ? 0
		       : a->opts.timeout_ms ? a->opts.timeout_ms
					    : -1;
	o.concurrency = a->opts.concurrency;
	o.dry_run = a->opts.dry_run;
	o.no_wait = a->opts.no_wait;
	o.force_conflicts = a->opts.force_conflicts;
	o.replace_immutable = a->opts.replace_immutable;
	o.parallel = a->parallel;
	o.warnings = &warnings;
	o.report = make_report(a);
	o.stop = &stop_requested;
	/* no client to wake: the apps' clients look at stop every 100 ms */
	catch_signals();
	rc = deploy_apply(&o, &res, &err);
	print_warnings(&warnings);
	if (rc < 0)
		goto fail;
	print_app_errors(&res);
	rc = deploy_exit_code(&res);
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	report_free(o.report);
	deploy_result_clear(&res);
	gerr_clear(&err);
	spec_free(spec);
	source_free(src);
	return rc;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args a = { .output = "text" };
	struct obj_list objs = OBJ_LIST_INIT;
	struct diff_rules *rules = NULL;
	struct health_rules *health = NULL;
	struct kube_client *client = NULL;
	struct kube_config *cfg;
	struct report *report = NULL;
	struct apply_result res = APPLY_RESULT_INIT;
	struct gerr err = GERR_INIT;
	int rc;

	kube_client_opts_init(&a.client);
	a.opts.timeout_ms = 5 * 60 * 1000;
	if (parse_args(argc, argv, &a))
		return 1;
	if (a.help) {
		fputs(apply_usage, stdout);
		return 0;
	}
	if (!a.opts.app)
		return apply_apps(&a, (const char *const *)argv + optind,
				  (size_t)(argc - optind));

	/* everything local first: bad input never reaches a cluster */
	if ((!a.plan_file &&
	     (obj_list_load_paths(&objs, (const char *const *)argv + optind,
				  (size_t)(argc - optind), &err) < 0 ||
	      obj_list_check_duplicates(&objs, &err) < 0)) ||
	    load_rules(&a, &rules, &health, &err) < 0)
		goto fail;
	cfg = kube_config_load(&a.cfg, &err);
	if (!cfg || !(client = kube_client_new(cfg, &a.client, &err)))
		goto fail;
	report = make_report(&a);
	a.opts.namespace = a.cfg.namespace;
	a.opts.rules = rules;
	a.opts.health = health;
	a.opts.report = report;
	a.opts.stop = &stop_requested;
	signal_client = client;
	catch_signals();
	if (a.plan_file)
		rc = apply_saved(client, &a, &res, &err);
	else
		rc = apply_run(client, &objs, &a.opts, &res, &err);
	if (rc < 0)
		goto fail;
	rc = res.outcome == APPLY_UNHEALTHY ? 3 : 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	signal_client = NULL;
	apply_result_clear(&res);
	gerr_clear(&err);
	report_free(report);
	kube_client_free(client);
	diff_rules_free(rules);
	health_rules_free(health);
	obj_list_clear(&objs);
	return rc;
}
