#ifndef GANTRY_CMD_H
#define GANTRY_CMD_H

/* The commands of the gantry binary: each parses its own arguments and
 * wires modules together; nothing here holds logic a test would want to
 * reach without the command line. */

#include <stdio.h>

#include "pkg/base/error.h"

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
	const char *usage;   /* the whole --help text */
};

int cmd_render(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_apps(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

extern const char render_usage[];
extern const char plan_usage[];
extern const char apply_usage[];
extern const char apps_usage[];
extern const char status_usage[];
extern const char sync_usage[];
extern const char version_usage[];
extern const char help_usage[];

const struct command *command_find(const char *name);
void command_print_overview(FILE *out);

/* Shared by commands: print "error: MSG" to stderr and return 1. */
int cmd_fail(const struct gerr *err);
/* "error: MSG\n" for a usage problem, plus a pointer to --help. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* args.c: option values parsed alike by every command. The _arg
 * functions print the usage error and return 1 for a bad value, else 0. */
/* A decimal integer from min to 1,000,000; -1 when it is not one (the
 * caller words the error). */
int cmd_int_arg(const char *s, int min, int *out);
/* A Go duration ("30s", "5m") into milliseconds, for option opt. */
int cmd_duration_arg(const char *cmd, const char *opt, const char *s,
		     long *ms);
/* -v LEVEL (or kubectl's -v=LEVEL), 0 to 10. */
int cmd_verbosity_arg(const char *cmd, const char *s, int *level);
/* -o text|json */
int cmd_output_arg(const char *cmd, const char *format);
/* Write all of buf to stdout; 0, or -1 with err set. */
int cmd_write_stdout(const char *buf, size_t len, struct gerr *err);

/* repo.c: the options of commands on apps (--repo, --revision, --ssh-key,
 * --env), opening the repository and rendering apps in dependency order. */
struct source;
struct spec_repo;
struct obj_list;
struct repo_args {
	const char *repo, *revision, *ssh_key, *env;
};
int repo_open(const struct repo_args *ra, struct source **src,
	      struct spec_repo **spec, struct gerr *err);
int repo_render(const struct repo_args *ra, const struct source *src,
		const struct spec_repo *spec, const char *const *names,
		size_t n, struct obj_list *out, struct gerr *err);
/* Are the arguments manifest paths rather than app names? Paths keep
 * their meaning when no app option is given and every argument is a path
 * (it exists, holds a '/' or a '.', or is '-'). 1 paths (also for no
 * argument), 0 apps, -1 a mix (reported as a usage error of cmd). */
int repo_args_are_paths(const char *cmd, int app_opts, char **args, int n);
/* A revision as commands print it: a commit's first 12 hex digits (and
 * "-dirty" when it has it), anything else whole, NULL as "(none)". Writes
 * into buf and returns it. */
const char *repo_short_revision(const char *rev, char *buf, size_t n);

#endif
