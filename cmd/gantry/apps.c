/* gantry apps [--repo DIR|URL] [--revision REV] [-o json] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/gantry/cmd.h"
#include "pkg/base/strbuf.h"
#include "pkg/source/source.h"
#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

const char apps_usage[] =
	"usage: gantry apps [--repo DIR|URL] [--revision REV] [-o json]\n"
	"\n"
	"List the apps of a repository (its gantry.yaml and each app.yaml,\n"
	"checked as every command checks them) in the order they run:\n"
	"dependencies first, then by name. Each line shows the app, its\n"
	"namespace, the apps it depends on, its environments and its sources\n"
	"(paths inside the repository).\n"
	"\n"
	"Options:\n"
	"  -o, --output FORMAT   text (default), or json: an array with every\n"
	"                        field of each app\n"
	"      --repo DIR|URL    the repository (default: the current\n"
	"                        directory); a URL is cloned into the cache\n"
	"      --revision REV    read this commit instead of the working tree\n"
	"      --ssh-key FILE    the private key for an ssh URL\n"
	"  -h, --help            show this help\n";

enum { OPT_REPO = 256, OPT_REVISION, OPT_SSH_KEY };

static const char *const kind_names[] = { "manifests", "chart", "builtin",
					  "kustomize" };

/* A source path as a path inside the repository. */
static const char *in_repo(const struct source *src, const char *path)
{
	const char *root = source_root(src);
	size_t n = strlen(root);
	if (strcmp(root, ".") && !strncmp(path, root, n) && path[n] == '/')
		return path + n + 1;
	return path;
}

static json_t *strings_json(const struct source *src, const struct strvec *sv,
			    int paths)
{
	json_t *a = json_array();
	for (size_t i = 0; i < sv->nr; i++)
		json_array_append_new(a, json_string(paths ? in_repo(src, sv->v[i])
							   : sv->v[i]));
	return a;
}

static json_t *match_json(const struct spec_match *m, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		if (m[i].group)
			json_object_set_new(o, "group", json_string(m[i].group));
		json_object_set_new(o, "kind", json_string(m[i].kind));
		if (m[i].namespace)
			json_object_set_new(o, "namespace",
					    json_string(m[i].namespace));
		if (m[i].name)
			json_object_set_new(o, "name", json_string(m[i].name));
		json_object_set_new(o, "paths", strings_json(NULL, &m[i].paths,
							     0));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *app_json(const struct source *src, const struct spec_app *a,
			int level)
{
	json_t *o = json_object(), *srcs = json_array(), *envs = json_object();
	json_t *health = json_array();

	json_object_set_new(o, "name", json_string(a->name));
	json_object_set_new(o, "path", json_string(in_repo(src, a->dir)));
	json_object_set_new(o, "namespace", json_string(a->namespace));
	json_object_set_new(o, "createNamespace",
			    json_boolean(a->create_namespace));
	json_object_set_new(o, "dependsOn", strings_json(NULL, &a->depends_on,
							 0));
	json_object_set_new(o, "level", json_integer(level));
	for (size_t i = 0; i < a->nsources; i++) {
		const struct spec_source *s = &a->sources[i];
		json_t *j = json_object();
		json_object_set_new(j, kind_names[s->kind],
				    json_string(s->kind == SPEC_BUILTIN
							? s->path
							: in_repo(src, s->path)));
		if (s->release)
			json_object_set_new(j, "release",
					    json_string(s->release));
		if (s->values.nr)
			json_object_set_new(j, "values",
					    strings_json(src, &s->values, 1));
		if (s->set)
			json_object_set(j, "set", s->set);
		json_array_append_new(srcs, j);
	}
	json_object_set_new(o, "sources", srcs);
	json_object_set_new(o, "overlays", strings_json(src, &a->overlays, 1));
	for (size_t i = 0; i < a->nenvs; i++) {
		const struct spec_env *e = &a->envs[i];
		json_t *j = json_object();
		if (e->context)
			json_object_set_new(j, "context", json_string(e->context));
		if (e->namespace)
			json_object_set_new(j, "namespace",
					    json_string(e->namespace));
		if (e->overlays.nr)
			json_object_set_new(j, "overlays",
					    strings_json(src, &e->overlays, 1));
		if (e->values)
			json_object_set(j, "values", e->values);
		if (e->set)
			json_object_set(j, "set", e->set);
		json_object_set_new(envs, e->name, j);
	}
	json_object_set_new(o, "environments", envs);
	for (size_t i = 0; i < a->nhealth; i++) {
		const struct spec_health *h = &a->health[i];
		json_t *j = json_pack("{s:s, s:s}", "group", h->group, "kind",
				      h->kind);
		if (h->name)
			json_object_set_new(j, "name", json_string(h->name));
		json_object_set_new(j, "field", json_string(h->field));
		json_object_set_new(j, "healthy",
				    strings_json(NULL, &h->healthy, 0));
		json_object_set_new(j, "progressing",
				    strings_json(NULL, &h->progressing, 0));
		json_object_set_new(j, "degraded",
				    strings_json(NULL, &h->degraded, 0));
		json_array_append_new(health, j);
	}
	json_object_set_new(o, "health", health);
	json_object_set_new(o, "ignoreDifferences",
			    match_json(a->ignore, a->nignore));
	json_object_set_new(o, "sensitive",
			    match_json(a->sensitive, a->nsensitive));
	json_object_set_new(o, "sync",
			    json_pack("{s:b, s:I, s:i}", "prune", a->sync.prune,
				      "timeoutSeconds",
				      (json_int_t)(a->sync.timeout_ms / 1000),
				      "concurrency", a->sync.concurrency));
	return o;
}

/* The text table: one row per app, columns as wide as their widest cell. */
static void apps_table(struct strbuf *out, const struct source *src,
		       const struct spec_order *order)
{
	struct strvec cells = STRVEC_INIT;  /* 5 per row, header first */
	size_t width[4] = { 0 };

	strvec_push(&cells, "NAME");
	strvec_push(&cells, "NAMESPACE");
	strvec_push(&cells, "DEPENDS-ON");
	strvec_push(&cells, "ENVIRONMENTS");
	strvec_push(&cells, "SOURCES");
	for (size_t i = 0; i < order->n; i++) {
		const struct spec_app *a = order->v[i].app;
		struct strbuf deps = STRBUF_INIT, envs = STRBUF_INIT,
			      srcs = STRBUF_INIT;
		for (size_t k = 0; k < a->depends_on.nr; k++)
			strbuf_addf(&deps, "%s%s", k ? "," : "",
				    a->depends_on.v[k]);
		for (size_t k = 0; k < a->nenvs; k++)
			strbuf_addf(&envs, "%s%s", k ? "," : "",
				    a->envs[k].name);
		for (size_t k = 0; k < a->nsources; k++) {
			const struct spec_source *s = &a->sources[k];
			strbuf_addf(&srcs, "%s%s:%s", k ? " " : "",
				    kind_names[s->kind],
				    s->kind == SPEC_BUILTIN
					    ? s->path
					    : in_repo(src, s->path));
		}
		strvec_push(&cells, a->name);
		strvec_push(&cells, a->namespace);
		strvec_push(&cells, deps.len ? deps.buf : "-");
		strvec_push(&cells, envs.len ? envs.buf : "-");
		strvec_push(&cells, srcs.buf);
		strbuf_release(&deps);
		strbuf_release(&envs);
		strbuf_release(&srcs);
	}
	for (size_t i = 0; i < cells.nr; i++)
		if (i % 5 < 4 && strlen(cells.v[i]) > width[i % 5])
			width[i % 5] = strlen(cells.v[i]);
	for (size_t i = 0; i < cells.nr; i++) {
		if (i % 5 < 4)
			strbuf_addf(out, "%-*s   ", (int)width[i % 5],
				    cells.v[i]);
		else
			strbuf_addf(out, "%s\n", cells.v[i]);
	}
	strvec_clear(&cells);
}

int cmd_apps(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "revision", required_argument, NULL, OPT_REVISION },
		{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct repo_args ra = { 0 };
	const char *format = "text";
	struct gerr err = GERR_INIT;
	struct source *src = NULL;
	struct spec_repo *spec = NULL;
	struct spec_order order = { 0 };
	struct strbuf out = STRBUF_INIT;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			format = optarg;
			break;
		case OPT_REPO:
			ra.repo = optarg;
			break;
		case OPT_REVISION:
			ra.revision = optarg;
			break;
		case OPT_SSH_KEY:
			ra.ssh_key = optarg;
			break;
		case 'h':
			fputs(apps_usage, stdout);
			return 0;
		default:
			return cmd_usage_error("apps", "bad option");
		}
	}
	if (cmd_output_arg("apps", format))
		return 1;
	if (optind < argc)
		return cmd_usage_error("apps", "apps takes no arguments");
	if (repo_open(&ra, &src, &spec, &err) < 0 ||
	    spec_order(spec, NULL, 0, &order, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (!strcmp(format, "json")) {
		json_t *arr = json_array();
		for (size_t i = 0; i < order.n; i++)
			json_array_append_new(arr, app_json(src, order.v[i].app,
							    order.v[i].level));
		yaml_write_json(&out, arr, YAML_JSON_PRETTY);
		strbuf_addch(&out, '\n');
		json_decref(arr);
	} else {
		apps_table(&out, src, &order);
	}
	if (cmd_write_stdout(out.buf, out.len, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	rc = 0;
out:
	gerr_clear(&err);
	strbuf_release(&out);
	spec_order_clear(&order);
	spec_free(spec);
	source_free(src);
	return rc;
}
