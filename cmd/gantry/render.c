/* gantry render [PATH...] */
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
#include "pkg/object/object.h"
#include "pkg/overlay/overlay.h"
#include "pkg/yaml/yaml.h"

const char render_usage[] =
	"usage: gantry render [options] PATH...\n"
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
	"Options:\n"
	"  -o, --output FORMAT   yaml (default): one YAML stream with '---'\n"
	"                        between objects; json: one JSON array\n"
	"      --load-restrictor RULE\n"
	"                        rootOnly (default): a kustomization reads\n"
	"                        files only in or below its own directory,\n"
	"                        and nothing outside the repository;\n"
	"                        none: no limit (LoadRestrictionsRootOnly and\n"
	"                        LoadRestrictionsNone are accepted too)\n"
	"  -h, --help            show this help\n";

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

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "load-restrictor", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obj_list objs = OBJ_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	const char *format = "yaml";
	int c, rc = 1, restrictor_none = 0;
	unsigned char *kust = NULL; /* which paths are kustomizations */
	size_t *upto = NULL;        /* objs.nr after each path */

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			format = optarg;
			break;
		case 'L':
			if (!strcmp(optarg, "none") ||
			    !strcmp(optarg, "LoadRestrictionsNone"))
				restrictor_none = 1;
			else if (!strcmp(optarg, "rootOnly") ||
				 !strcmp(optarg, "LoadRestrictionsRootOnly"))
				restrictor_none = 0;
			else
				return cmd_usage_error("render",
						       "unknown load restrictor "
						       "'%s' (use rootOnly or "
						       "none)",
						       optarg);
			break;
		case 'h':
			fputs(render_usage, stdout);
			return 0;
		default:
			return cmd_usage_error("render", "bad option");
		}
	}
	if (strcmp(format, "yaml") && strcmp(format, "json"))
		return cmd_usage_error("render",
				       "unknown output format '%s' (use yaml "
				       "or json)",
				       format);
	if (optind >= argc)
		return cmd_usage_error("render",
				       "no input: give manifest files or "
				       "directories");

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
	return rc;
}
