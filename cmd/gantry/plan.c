/* gantry plan [PATH...] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/gantry/cmd.h"
#include "pkg/apply/apply.h"
#include "pkg/base/strbuf.h"
#include "pkg/diff/diff.h"
#include "pkg/kube/kube.h"
#include "pkg/object/object.h"
#include "pkg/source/source.h"
#include "pkg/yaml/yaml.h"

const char plan_usage[] =
	"usage: gantry plan [options] PATH...\n"
	"\n"
	"Show what applying the manifests would change in the cluster: each\n"
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
	"Exit status: 0 done (and no changes with --detailed-exitcode),\n"
	"1 error, 2 changes with --detailed-exitcode.\n";

struct plan_args {
	struct kube_config_opts cfg;
	struct kube_client_opts client;
	const char *output, *out_file, *rules_file, *app;
	int no_color, detailed, help, prune;
};

static int parse_int(const char *s, int min, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < min || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

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
		{ NULL, 0, NULL, 0 },
	};
	struct gerr err = GERR_INIT;
	int c;

	while ((c = getopt_long(argc, argv, "n:o:v:h", opts, NULL)) != -1) {
		switch (c) {
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
			if (parse_int(optarg, 1, &a->client.concurrency) < 0)
				return cmd_usage_error("plan",
						       "--concurrency needs a "
						       "number of at least 1, "
						       "not '%s'",
						       optarg);
			break;
		case 'T':
			if (kube_parse_duration(optarg,
						&a->client.request_timeout_ms,
						&err) < 0) {
				int rc = cmd_usage_error("plan",
							 "--request-timeout: %s",
							 gerr_msg(&err));
				gerr_clear(&err);
				return rc;
			}
			break;
		case 'v':
			/* kubectl's spelling -v=6 works too */
			if (parse_int(optarg + (*optarg == '='), 0,
				      &a->client.verbosity) < 0)
				return cmd_usage_error("plan",
						       "-v needs a level (0 to "
						       "10), not '%s'",
						       optarg);
			break;
		case 'h':
			a->help = 1;
			return 0;
		default:
			return cmd_usage_error("plan", "bad option");
		}
	}
	if (strcmp(a->output, "text") && strcmp(a->output, "json"))
		return cmd_usage_error("plan",
				       "unknown output format '%s' (use text or "
				       "json)",
				       a->output);
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
