/* gantry status [APP...]: what each app's cluster runs, whether it is in
 * sync with the repository, and the health of every object. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/gantry/cmd.h"
#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/deploy/deploy.h"
#include "pkg/kube/kube.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

const char status_usage[] =
	"usage: gantry status [options] [APP...] [--env ENV] [--repo DIR|URL]\n"
	"                     [--revision REV]\n"
	"\n"
	"Show, for each app of a repository (all apps when none is named):\n"
	"the revision last applied, when and how it ended (from the app's\n"
	"inventory), whether the live objects are in sync with the ones the\n"
	"repository renders now (nothing to create, update or prune), and the\n"
	"health of every object. Nothing in the cluster is changed.\n"
	"\n"
	"Options:\n"
	"      --env ENV                the environment (gantry.yaml): its\n"
	"                               overlays, values and kube context\n"
	"      --repo DIR|URL           the repository (default: the current\n"
	"                               directory); a URL is cloned into\n"
	"                               $XDG_CACHE_HOME/gantry/repos\n"
	"      --revision REV           compare with this commit (branch, tag,\n"
	"                               commit, HEAD~1), not the working tree\n"
	"      --ssh-key FILE           the private key for an ssh URL\n"
	"      --kubeconfig FILE        use this kubeconfig file only\n"
	"      --context NAME           the kubeconfig context, instead of\n"
	"                               each environment's\n"
	"      --request-timeout TIME   limit for one request (\"30s\"; 0: no\n"
	"                               limit, the default)\n"
	"  -o, --output FORMAT          text (default) or json\n"
	"  -v, --v LEVEL                log to stderr as kubectl -v does (6: one\n"
	"                               line per request)\n"
	"  -h, --help                   show this help\n"
	"\n"
	"Exit status: 0 every object healthy, 1 error (an app could not be\n"
	"rendered or read), 3 something is not healthy (or missing).\n";

enum { OPT_ENV = 256, OPT_REPO, OPT_REVISION, OPT_SSH_KEY, OPT_KUBECONFIG,
       OPT_CONTEXT, OPT_REQUEST_TIMEOUT };

struct status_args {
	struct repo_args ra;
	struct kube_config_opts cfg;
	struct kube_client_opts client;
	const char *output;
	int help;
};

static int parse_args(int argc, char **argv, struct status_args *a)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, OPT_ENV },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "revision", required_argument, NULL, OPT_REVISION },
		{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
		{ "kubeconfig", required_argument, NULL, OPT_KUBECONFIG },
		{ "context", required_argument, NULL, OPT_CONTEXT },
		{ "request-timeout", required_argument, NULL,
		  OPT_REQUEST_TIMEOUT },
		{ "output", required_argument, NULL, 'o' },
		{ "v", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o:v:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ENV: a->ra.env = optarg; break;
		case OPT_REPO: a->ra.repo = optarg; break;
		case OPT_REVISION: a->ra.revision = optarg; break;
		case OPT_SSH_KEY: a->ra.ssh_key = optarg; break;
		case OPT_KUBECONFIG: a->cfg.kubeconfig = optarg; break;
		case OPT_CONTEXT: a->cfg.context = optarg; break;
		case 'o': a->output = optarg; break;
		case OPT_REQUEST_TIMEOUT:
			if (cmd_duration_arg("status", "--request-timeout", optarg,
					     &a->client.request_timeout_ms))
				return 1;
			break;
		case 'v':
			if (cmd_verbosity_arg("status", optarg,
					      &a->client.verbosity))
				return 1;
			break;
		case 'h':
			a->help = 1;
			return 0;
		default:
			return cmd_usage_error("status", "bad option");
		}
	}
	if (cmd_output_arg("status", a->output))
		return 1;
	return 0;
}

/* Argo CD's words for the sync status of an app and of an object. */
static const char *sync_word(int in_sync)
{
	return in_sync ? "Synced" : "OutOfSync";
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void write_json(const struct deploy_status *v, size_t n,
		       struct strbuf *out)
{
	json_t *doc = json_object(), *apps = json_array();

	json_object_set_new(doc, "kind", json_string("Status"));
	json_object_set_new(doc, "version", json_integer(1));
	for (size_t i = 0; i < n; i++) {
		const struct deploy_status *st = &v[i];
		int ok = !gerr_failed(&st->err);
		json_t *o = json_object(), *objs = json_array();
		json_object_set_new(o, "app", json_string(st->app));
		json_object_set_new(o, "namespace", str_or_null(st->namespace));
		json_object_set_new(o, "context", str_or_null(st->context));
		json_object_set_new(o, "revision", str_or_null(st->revision));
		json_object_set_new(o, "appliedAt",
				    str_or_null(st->applied_at));
		json_object_set_new(o, "outcome", str_or_null(st->outcome));
		json_object_set_new(o, "sync",
				    ok ? json_string(sync_word(st->in_sync))
				       : json_null());
		json_object_set_new(o, "changes",
				    ok ? json_integer((json_int_t)st->changes)
				       : json_null());
		json_object_set_new(o, "health",
				    ok ? json_string(health_status_name(
						 st->health))
				       : json_null());
		json_object_set_new(o, "error",
				    ok ? json_null()
				       : json_string(gerr_msg(&st->err)));
		for (size_t k = 0; k < st->nr_objects; k++) {
			const struct apply_object *ob = &st->objects[k];
			json_t *j = json_object();
			json_object_set_new(j, "id", json_string(ob->id));
			json_object_set_new(
				j, "sync",
				json_string(sync_word(ob->action ==
						      DIFF_UNCHANGED)));
			json_object_set_new(
				j, "health",
				json_string(health_status_name(ob->health)));
			json_object_set_new(j, "message",
					    str_or_null(ob->message));
			json_array_append_new(objs, j);
		}
		json_object_set_new(o, "objects", objs);
		json_array_append_new(apps, o);
	}
	json_object_set_new(doc, "apps", apps);
	yaml_write_json(out, doc, YAML_JSON_PRETTY);
	strbuf_addch(out, '\n');
	json_decref(doc);
}

/* ---- text: columns as kubectl's tables pad them (3 spaces) ---- */

#define NCOLS 6

static void row(struct strbuf *out, const char *indent,
		const char *const *cells, const size_t *width, size_t ncols)
{
	size_t at = out->len;

	strbuf_addstr(out, indent);
	for (size_t c = 0; c < ncols; c++) {
		const char *s = cells[c] ? cells[c] : "";
		if (c + 1 < ncols)
			strbuf_addf(out, "%-*s", (int)(width[c] + 3), s);
		else
			strbuf_addstr(out, s);
	}
	/* no trailing blanks when the last cells are empty */
	while (out->len > at && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
	strbuf_addch(out, '\n');
}

static void widen(size_t *width, const char *const *cells, size_t ncols)
{
	for (size_t c = 0; c < ncols; c++)
		if (cells[c] && strlen(cells[c]) > width[c])
			width[c] = strlen(cells[c]);
}

/* An app's row cells (pointing into st and rev, 64 bytes for the short
 * revision). */
static void app_cells(const struct deploy_status *st, char *rev,
		      const char **cells)
{
	int ok = !gerr_failed(&st->err);

	cells[0] = st->app;
	cells[1] = st->revision ? repo_short_revision(st->revision, rev, 64)
				: "-";
	cells[2] = st->applied_at ? st->applied_at : "-";
	cells[3] = st->outcome ? st->outcome : "-";
	cells[4] = ok ? sync_word(st->in_sync) : "Unknown";
	cells[5] = ok ? health_status_name(st->health) : "Unknown";
}

static void write_objects(const struct deploy_status *st, struct strbuf *out)
{
	static const char *const head[] = { "OBJECT", "SYNC", "HEALTH",
					    "MESSAGE" };
	size_t width[4] = { 0 };
	const char *cells[4];

	strbuf_addf(out, "\n%s (namespace %s, context %s): %s, %zu change%s\n",
		    st->app, st->namespace,
		    st->context ? st->context : "(none)",
		    sync_word(st->in_sync), st->changes,
		    st->changes == 1 ? "" : "s");
	widen(width, head, 4);
	for (size_t k = 0; k < st->nr_objects; k++) {
		const struct apply_object *ob = &st->objects[k];
		cells[0] = ob->id;
		cells[1] = sync_word(ob->action == DIFF_UNCHANGED);
		cells[2] = health_status_name(ob->health);
		cells[3] = ob->message;
		widen(width, cells, 4);
	}
	row(out, "  ", head, width, 4);
	for (size_t k = 0; k < st->nr_objects; k++) {
		const struct apply_object *ob = &st->objects[k];
		cells[0] = ob->id;
		cells[1] = sync_word(ob->action == DIFF_UNCHANGED);
		cells[2] = health_status_name(ob->health);
		cells[3] = ob->message;
		row(out, "  ", cells, width, 4);
	}
}

static void write_text(const struct deploy_status *v, size_t n,
		       struct strbuf *out)
{
	static const char *const head[NCOLS] = { "APP", "REVISION", "APPLIED",
						 "OUTCOME", "SYNC", "HEALTH" };
	size_t width[NCOLS] = { 0 };
	char *revs = xcalloc(n + 1, 64);
	const char *cells[NCOLS];

	widen(width, head, NCOLS);
	for (size_t i = 0; i < n; i++) {
		app_cells(&v[i], revs + 64 * i, cells);
		widen(width, cells, NCOLS);
	}
	row(out, "", head, width, NCOLS);
	for (size_t i = 0; i < n; i++) {
		app_cells(&v[i], revs + 64 * i, cells);
		row(out, "", cells, width, NCOLS);
	}
	for (size_t i = 0; i < n; i++)
		if (!gerr_failed(&v[i].err))
			write_objects(&v[i], out);
	free(revs);
}

int cmd_status(int argc, char **argv)
{
	struct status_args a = { .output = "text" };
	struct source *src = NULL;
	struct spec_repo *spec = NULL;
	struct deploy_opts o = DEPLOY_OPTS_INIT;
	struct deploy_status *v = NULL;
	size_t n = 0;
	struct strvec warnings = STRVEC_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	int rc, failed = 0, unhealthy = 0;

	kube_client_opts_init(&a.client);
	if (parse_args(argc, argv, &a))
		return 1;
	if (a.help) {
		fputs(status_usage, stdout);
		return 0;
	}
	if (repo_open(&a.ra, &src, &spec, &err) < 0)
		goto fail;
	o.src = src;
	o.repo = spec;
	o.env = a.ra.env;
	o.apps = (const char *const *)argv + optind;
	o.napps = (size_t)(argc - optind);
	o.cfg = a.cfg;
	o.client = a.client;
	o.warnings = &warnings;
	if (deploy_status(&o, &v, &n, &err) < 0)
		goto fail;
	if (!strcmp(a.output, "json"))
		write_json(v, n, &out);
	else
		write_text(v, n, &out);
	if (cmd_write_stdout(out.buf, out.len, &err) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (gerr_failed(&v[i].err)) {
			fprintf(stderr, "error: %s: %s\n", v[i].app,
				gerr_msg(&v[i].err));
			failed = 1;
		}
		unhealthy |= v[i].health != HEALTH_HEALTHY;
	}
	rc = failed ? 1 : unhealthy ? 3 : 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	for (size_t i = 0; i < warnings.nr; i++)
		fprintf(stderr, "warning: %s\n", warnings.v[i]);
	strvec_clear(&warnings);
	strbuf_release(&out);
	deploy_status_free(v, n);
	gerr_clear(&err);
	spec_free(spec);
	source_free(src);
	return rc;
}
