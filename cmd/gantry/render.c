/* gantry render [APP...] | gantry render PATH... |
 * gantry render --chart DIR [options] */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/gantry/cmd.h"
#include "pkg/base/mem.h"
#include "pkg/base/strbuf.h"
#include "pkg/base/strvec.h"
#include "pkg/chart/chart.h"
#include "pkg/object/object.h"
#include "pkg/overlay/overlay.h"
#include "pkg/spec/spec.h"
#include "pkg/yaml/yaml.h"

const char render_usage[] =
	"usage: gantry render [APP...] [--env ENV] [--repo DIR|URL] "
	"[--revision REV]\n"
	"       gantry render [options] PATH...\n"
	"       gantry render --chart CHART [chart options]\n"
	"\n"
	"Render the apps of a repository (a gantry.yaml; all apps when none is\n"
	"named) for an environment, in dependency order, as plan and apply\n"
	"would send them: sources, overlays, the app's namespace, the label\n"
	"gantry.dev/app and the annotation gantry.dev/revision.\n"
	"\n"
	"Arguments are paths when no app option (--env, --repo, --revision,\n"
	"--ssh-key) is given and each names an existing file or directory,\n"
	"holds a '/' or a '.', or is '-'; otherwise they are app names.\n"
	"\n"
	"Read Kubernetes manifests from files and directories and print the\n"
	"objects as one stream. Directories are read recursively for *.yaml,\n"
	"*.yml and *.json files, in path order; '-' reads standard input.\n"
	"Every object needs apiVersion, kind and metadata.name, and no two may\n"
	"share group, kind, namespace and name.\n"
	"\n"
	"A directory holding a kustomization.yaml is built as kustomize does\n"
	"('kubectl kustomize DIR'), with the same objects in the same order.\n"
	"\n"
	"With --chart, render a Helm chart (a directory or a .tgz archive) and\n"
	"print exactly what `helm template RELEASE CHART` prints.\n"
	"\n"
	"Options:\n"
	"  -o, --output FORMAT   yaml (default): one YAML stream with '---'\n"
	"                        between objects (for a chart: helm's text);\n"
	"                        json: one JSON array of the objects\n"
	"      --load-restrictor RULE\n"
	"                        rootOnly (default): a kustomization reads\n"
	"                        files only in or below its own directory,\n"
	"                        and nothing outside the repository;\n"
	"                        none: no limit (LoadRestrictionsRootOnly and\n"
	"                        LoadRestrictionsNone are accepted too)\n"
	"  -h, --help            show this help\n"
	"\n"
	"App options:\n"
	"      --env ENV         the environment (gantry.yaml): its overlays,\n"
	"                        values and namespace\n"
	"      --repo DIR|URL    the repository (default: the current\n"
	"                        directory); a URL (https, ssh, file) is\n"
	"                        cloned into $XDG_CACHE_HOME/gantry/repos\n"
	"      --revision REV    read this commit (branch, tag, commit,\n"
	"                        HEAD~3) from git, not the working tree\n"
	"      --ssh-key FILE    the private key for an ssh URL (default:\n"
	"                        the ssh agent; https uses $GANTRY_GIT_TOKEN)\n"
	"\n"
	"Chart options:\n"
	"      --chart CHART     the chart directory or archive to render\n"
	"      --release NAME    the release name (default release-name)\n"
	"  -n, --namespace NS    the release namespace (default default)\n"
	"  -f, --values FILE     a values file; repeat for more, later wins\n"
	"      --set K=V         set values (a.b=1,list[0]=x); repeatable\n"
	"      --set-string K=V  the same, every value a string\n"
	"      --set-file K=PATH set values to the contents of files\n"
	"      --set-json K=JSON set values to JSON values (or a JSON object)\n"
	"      --set-literal K=V set one value to the literal string V\n"
	"      --kube-version V  the Kubernetes version for .Capabilities\n"
	"                        (default v1.32.0)\n"
	"  -a, --api-versions V  an API version for .Capabilities.APIVersions;\n"
	"                        repeatable\n"
	"  -s, --show-only T     only the manifests of template T (a glob\n"
	"                        such as templates/deploy.yaml); repeatable\n"
	"      --include-crds    print the charts' crds/ files first\n"
	"      --skip-tests      leave out test hooks\n"
	"      --is-upgrade      set .Release.IsUpgrade instead of IsInstall\n";

enum {
	OPT_CHART = 256, OPT_RELEASE, OPT_SET, OPT_SET_STRING, OPT_SET_FILE,
	OPT_SET_JSON, OPT_SET_LITERAL, OPT_KUBE_VERSION, OPT_INCLUDE_CRDS,
	OPT_SKIP_TESTS, OPT_IS_UPGRADE, OPT_ENV, OPT_REPO, OPT_REVISION,
	OPT_SSH_KEY,
};

struct chart_args {
	const char *chart;
	struct strvec files;
	struct strvec sets[5];          /* by enum chart_set_kind */
	struct strvec apis, show;
	struct chart_render_opts o;
};

/* Values in Helm's order: files, then --set-json, --set, --set-string,
 * --set-file, --set-literal (each kind in the order given). */
static struct tmpl_value *user_values(struct chart_args *a, struct gerr *err)
{
	static const enum chart_set_kind order[] = { CHART_SET_JSON, CHART_SET,
		CHART_SET_STRING, CHART_SET_FILE, CHART_SET_LITERAL };
	struct tmpl_value *vals = chart_values_new();
	for (size_t i = 0; i < a->files.nr; i++)
		if (chart_values_add_file(vals, a->files.v[i], err) < 0)
			goto fail;
	for (size_t k = 0; k < 5; k++) {
		struct strvec *sv = &a->sets[order[k]];
		for (size_t i = 0; i < sv->nr; i++)
			if (chart_values_set(vals, order[k], sv->v[i], err) < 0)
				goto fail;
	}
	return vals;
fail:
	tmpl_unref(vals);
	return NULL;
}

static int render_chart(struct chart_args *a, const char *format)
{
	struct gerr err = GERR_INIT;
	struct chart_output out = CHART_OUTPUT_INIT;
	struct obj_list objs = OBJ_LIST_INIT;
	struct strbuf json = STRBUF_INIT;
	struct tmpl_value *vals = NULL;
	struct chart *c = NULL;
	int rc = 1;

	if (!(c = chart_load(a->chart, &err)) || !(vals = user_values(a, &err)))
		goto fail;
	a->o.api_versions = (const char *const *)a->apis.v;
	a->o.napi_versions = a->apis.nr;
	a->o.show_only = (const char *const *)a->show.v;
	a->o.nshow_only = a->show.nr;
	if (chart_render(c, vals, &a->o, &out, &err) < 0)
		goto fail;
	if (!strcmp(format, "json")) {
		if (chart_output_objects(&out, &objs, &err) < 0)
			goto fail;
		obj_list_write_json(&objs, &json);
		if (cmd_write_stdout(json.buf, json.len, &err) < 0)
			goto fail;
	} else if (cmd_write_stdout(out.text.buf, out.text.len, &err) < 0) {
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	gerr_clear(&err);
	strbuf_release(&json);
	obj_list_clear(&objs);
	chart_output_release(&out);
	tmpl_unref(vals);
	chart_free(c);
	return rc;
}

/*
 * The repository a kustomization may read from: the git work tree holding
 * it, else the current directory when it is inside that, else its own
 * directory. The caller frees the result.
 */
static char *repository_root(const char *dir)
{
	char *real = realpath(dir, NULL);
	char cwd[PATH_MAX];
	if (!real)
		return NULL;
	for (char *p = real + strlen(real);;) {
		struct stat st;
		char *git = xasprintf("%.*s/.git", (int)(p - real), real);
		int found = stat(git, &st) == 0;
		free(git);
		if (found) {
			char *root = p == real ? xstrdup("/") : xstrndup(real, (size_t)(p - real));
			free(real);
			return root;
		}
		if (p == real)
			break;
		while (p > real && *--p != '/')
			;
	}
	if (getcwd(cwd, sizeof(cwd))) {
		size_t n = strlen(cwd);
		if (!strncmp(real, cwd, n) && (real[n] == '/' || !real[n])) {
			free(real);
			return xstrdup(cwd);
		}
	}
	return real;
}

/* Build a kustomization directory into objs, warnings to stderr. */
static int render_kustomization(const char *dir, int restrictor_none,
				struct obj_list *objs, struct gerr *err)
{
	struct strvec warnings = STRVEC_INIT;
	char *root = repository_root(dir);
	struct overlay_options opt = { root, restrictor_none, &warnings };
	int rc = overlay_build(dir, &opt, objs, err);
	for (size_t i = 0; i < warnings.nr; i++)
		fprintf(stderr, "warning: %s\n", warnings.v[i]);
	strvec_clear(&warnings);
	free(root);
	return rc;
}

/* gantry render [APP...]: the apps of a repository. */
static int render_apps(const struct repo_args *ra, const char *const *names,
		       size_t n, const char *format)
{
	struct gerr err = GERR_INIT;
	struct source *src = NULL;
	struct spec_repo *spec = NULL;
	struct obj_list objs = OBJ_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	int rc = 1;

	if (repo_open(ra, &src, &spec, &err) < 0 ||
	    repo_render(ra, src, spec, names, n, &objs, &err) < 0)
		goto fail;
	if (!strcmp(format, "json"))
		obj_list_write_json(&objs, &out);
	else
		obj_list_write_yaml(&objs, &out);
	if (cmd_write_stdout(out.buf, out.len, &err) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	rc = cmd_fail(&err);
out:
	gerr_clear(&err);
	strbuf_release(&out);
	obj_list_clear(&objs);
	spec_free(spec);
	source_free(src);
	return rc;
}

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "load-restrictor", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "chart", required_argument, NULL, OPT_CHART },
		{ "release", required_argument, NULL, OPT_RELEASE },
		{ "namespace", required_argument, NULL, 'n' },
		{ "values", required_argument, NULL, 'f' },
		{ "set", required_argument, NULL, OPT_SET },
		{ "set-string", required_argument, NULL, OPT_SET_STRING },
		{ "set-file", required_argument, NULL, OPT_SET_FILE },
		{ "set-json", required_argument, NULL, OPT_SET_JSON },
		{ "set-literal", required_argument, NULL, OPT_SET_LITERAL },
		{ "kube-version", required_argument, NULL, OPT_KUBE_VERSION },
		{ "api-versions", required_argument, NULL, 'a' },
		{ "show-only", required_argument, NULL, 's' },
		{ "include-crds", no_argument, NULL, OPT_INCLUDE_CRDS },
		{ "skip-tests", no_argument, NULL, OPT_SKIP_TESTS },
		{ "is-upgrade", no_argument, NULL, OPT_IS_UPGRADE },
		{ "env", required_argument, NULL, OPT_ENV },
		{ "repo", required_argument, NULL, OPT_REPO },
		{ "revision", required_argument, NULL, OPT_REVISION },
		{ "ssh-key", required_argument, NULL, OPT_SSH_KEY },
		{ NULL, 0, NULL, 0 },
	};
	struct repo_args ra = { 0 };
	int app_opts = 0;
	struct chart_args ca = { 0 };
	int chart_opts = 0;
	struct obj_list objs = OBJ_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	const char *format = "yaml";
	int c, rc = 1, restrictor_none = 0;
	unsigned char *kust = NULL; /* which paths are kustomizations */
	size_t *upto = NULL;        /* objs.nr after each path */

	while ((c = getopt_long(argc, argv, "o:hn:f:a:s:", opts, NULL)) != -1) {
		int app_opt = c == OPT_ENV || c == OPT_REPO ||
			      c == OPT_REVISION || c == OPT_SSH_KEY;
		app_opts += app_opt;
		chart_opts += c != 'o' && c != 'h' && c != OPT_CHART &&
			      c != 'L' && !app_opt;
		switch (c) {
		case OPT_ENV:
			ra.env = optarg;
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
		case 'o':
			format = optarg;
			break;
		case 'L':
			if (!strcmp(optarg, "none") ||
			    !strcmp(optarg, "LoadRestrictionsNone")) {
				restrictor_none = 1;
			} else if (!strcmp(optarg, "rootOnly") ||
				   !strcmp(optarg,
					   "LoadRestrictionsRootOnly")) {
				restrictor_none = 0;
			} else {
				rc = cmd_usage_error("render",
						     "unknown load restrictor "
						     "'%s' (use rootOnly or "
						     "none)",
						     optarg);
				goto out;
			}
			break;
		case 'h':
			fputs(render_usage, stdout);
			rc = 0;
			goto out;
		case OPT_CHART:
			ca.chart = optarg;
			break;
		case OPT_RELEASE:
			ca.o.release = optarg;
			break;
		case 'n':
			ca.o.namespace = optarg;
			break;
		case 'f':
			strvec_push(&ca.files, optarg);
			break;
		case OPT_SET:
			strvec_push(&ca.sets[CHART_SET], optarg);
			break;
		case OPT_SET_STRING:
			strvec_push(&ca.sets[CHART_SET_STRING], optarg);
			break;
		case OPT_SET_FILE:
			strvec_push(&ca.sets[CHART_SET_FILE], optarg);
			break;
		case OPT_SET_JSON:
			strvec_push(&ca.sets[CHART_SET_JSON], optarg);
			break;
		case OPT_SET_LITERAL:
			strvec_push(&ca.sets[CHART_SET_LITERAL], optarg);
			break;
		case OPT_KUBE_VERSION:
			ca.o.kube_version = optarg;
			break;
		case 'a':
			/* helm splits a comma-separated list too */
			for (char *p = optarg, *e; p; p = e ? e + 1 : NULL) {
				e = strchr(p, ',');
				char *one = e ? strndup(p, (size_t)(e - p))
					      : strdup(p);
				if (*one)
					strvec_push(&ca.apis, one);
				free(one);
			}
			break;
		case 's':
			strvec_push(&ca.show, optarg);
			break;
		case OPT_INCLUDE_CRDS:
			ca.o.include_crds = 1;
			break;
		case OPT_SKIP_TESTS:
			ca.o.skip_tests = 1;
			break;
		case OPT_IS_UPGRADE:
			ca.o.is_upgrade = 1;
			break;
		default:
			rc = cmd_usage_error("render", "bad option");
			goto out;
		}
	}
	if (strcmp(format, "yaml") && strcmp(format, "json")) {
		rc = cmd_usage_error("render",
				     "unknown output format '%s' (use yaml "
				     "or json)",
				     format);
		goto out;
	}
	if (ca.chart && app_opts) {
		rc = cmd_usage_error("render", "--chart renders one chart; app "
				     "options (--env, --repo, --revision, "
				     "--ssh-key) are for apps");
		goto out;
	}
	if (ca.chart) {
		if (optind < argc)
			rc = cmd_usage_error("render", "--chart takes no PATH "
					     "arguments");
		else
			rc = render_chart(&ca, format);
		goto out;
	}
	if (chart_opts) {
		rc = cmd_usage_error("render", "chart options need --chart");
		goto out;
	}
	if (optind >= argc && !app_opts && access("gantry.yaml", F_OK) < 0) {
		rc = cmd_usage_error("render",
				     "no input: give app names (in a "
				     "repository with a gantry.yaml), or "
				     "manifest files or directories");
		goto out;
	}
	int paths = repo_args_are_paths("render", app_opts, argv + optind,
					 argc - optind);
	if (paths < 0)
		goto out;
	if (!paths || optind >= argc) {
		rc = render_apps(&ra, (const char *const *)argv + optind,
				 (size_t)(argc - optind), format);
		goto out;
	}

	/* objects of kustomizations print as kustomize prints them */
	kust = xcalloc((size_t)argc, 1);
	upto = xcalloc((size_t)argc, sizeof(*upto));
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i];
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (!strcmp(base, "kustomization.yaml") ||
		    !strcmp(base, "kustomization.yml") ||
		    !strcmp(base, "Kustomization")) {
			rc = cmd_usage_error("render",
					     "%s is a kustomization file: give "
					     "its directory, as to kubectl "
					     "kustomize",
					     path);
			goto out;
		}
		kust[i] = (unsigned char)overlay_is_kustomization(path);
		int r = kust[i] ? render_kustomization(path, restrictor_none,
						       &objs, &err)
				: obj_list_load_paths(&objs, &path, 1, &err);
		upto[i] = objs.nr;
		if (r < 0) {
			rc = cmd_fail(&err);
			goto out;
		}
	}
	if (obj_list_check_duplicates(&objs, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (!strcmp(format, "json")) {
		obj_list_write_json(&objs, &out);
	} else {
		size_t k = 0;
		for (int i = optind; i < argc; i++) {
			for (; k < upto[i]; k++) {
				if (k)
					strbuf_addstr(&out, "---\n");
				/* go-yaml's line width, as kustomize folds */
				yaml_emit_width(&out, objs.v[k].json,
						kust[i] ? 80 : 0);
			}
		}
	}
	if (cmd_write_stdout(out.buf, out.len, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	rc = 0;
out:
	free(kust);
	free(upto);
	gerr_clear(&err);
	strbuf_release(&out);
	obj_list_clear(&objs);
	strvec_clear(&ca.files);
	for (size_t i = 0; i < 5; i++)
		strvec_clear(&ca.sets[i]);
	strvec_clear(&ca.apis);
	strvec_clear(&ca.show);
	return rc;
}
