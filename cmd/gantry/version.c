/* gantry version */
#include <getopt.h>
#include <stdio.h>

#include <curl/curl.h>
#include <git2.h>
#include <jansson.h>
#include <yaml.h>

#include "cmd/gantry/cmd.h"

#ifndef GANTRY_VERSION
#define GANTRY_VERSION "unknown"
#endif

const char version_usage[] =
	"usage: gantry version [--verbose]\n"
	"\n"
	"Print gantry's version.\n"
	"\n"
	"Options:\n"
	"      --verbose    also print the versions of the libraries in use\n"
	"  -h, --help       show this help\n";

int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, verbose = 0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(version_usage, stdout);
			return 0;
		default:
			return cmd_usage_error("version", "bad option");
		}
	}
	if (optind < argc)
		return cmd_usage_error("version", "unexpected argument '%s'",
				       argv[optind]);
	printf("gantry %s\n", GANTRY_VERSION);
	if (verbose) {
		int major, minor, rev;
		git_libgit2_version(&major, &minor, &rev);
		printf("libyaml %s\njansson %s\nlibgit2 %d.%d.%d\n%s\n",
		       yaml_get_version_string(), jansson_version_str(), major,
		       minor, rev, curl_version());
	}
	return 0;
}
