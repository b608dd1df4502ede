/* gantry render [PATH...] */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/gantry/cmd.h"
#include "pkg/base/strbuf.h"
#include "pkg/object/object.h"

const char render_usage[] =
	"usage: gantry render [options] PATH...\n"
	"\n"
	"Read Kubernetes manifests from files and directories and print the\n"
	"objects as one stream. Directories are read recursively for *.yaml,\n"
	"*.yml and *.json files, in path order; '-' reads standard input.\n"
	"Every object needs apiVersion, kind and metadata.name, and no two may\n"
	"share group, kind, namespace and name.\n"
	"\n"
	"Options:\n"
	"  -o, --output FORMAT   yaml (default): one YAML stream with '---'\n"
	"                        between objects; json: one JSON array\n"
	"  -h, --help            show this help\n";

int cmd_render(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct obj_list objs = OBJ_LIST_INIT;
	struct strbuf out = STRBUF_INIT;
	struct gerr err = GERR_INIT;
	const char *format = "yaml";
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			format = optarg;
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

	if (obj_list_load_paths(&objs, (const char *const *)argv + optind,
				(size_t)(argc - optind), &err) < 0 ||
	    obj_list_check_duplicates(&objs, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	if (!strcmp(format, "json"))
		obj_list_write_json(&objs, &out);
	else
		obj_list_write_yaml(&objs, &out);
	if (cmd_write_stdout(out.buf, out.len, &err) < 0) {
		rc = cmd_fail(&err);
		goto out;
	}
	rc = 0;
out:
	gerr_clear(&err);
	strbuf_release(&out);
	obj_list_clear(&objs);
	return rc;
}
