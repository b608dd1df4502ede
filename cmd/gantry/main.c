/* gantry — entry point: global options and dispatch to a command. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "cmd/gantry/cmd.h"
#include "pkg/base/mem.h"

static const struct command commands[] = {
	{ "render", "print the objects that apps or manifests render to",
	  cmd_render, render_usage },
	{ "plan", "show what applying manifests would change in a cluster",
	  cmd_plan, plan_usage },
	{ "apply", "apply manifests to a cluster in order, waiting for health",
	  cmd_apply, apply_usage },
	{ "apps", "list the apps of a repository", cmd_apps, apps_usage },
	{ "status", "show what each app runs, in sync or not, and its health",
	  cmd_status, status_usage },
	{ "sync", "keep clusters equal to a git branch, correcting drift",
	  cmd_sync, sync_usage },
	{ "version", "print gantry's version", cmd_version, version_usage },
	{ "help", "show help for gantry or one of its commands", cmd_help,
	  help_usage },
};

static const char main_usage[] =
	"usage: gantry [--help] [--version] COMMAND [ARGS]\n"
	"\n"
	"gantry renders Kubernetes manifests, plans their changes against a\n"
	"cluster with a three-way diff, and applies them in a safe order.\n"
	"\n"
	"Options:\n"
	"  -h, --help       show this help\n"
	"      --version    print gantry's version\n"
	"\n";

const struct command *command_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void command_print_overview(FILE *out)
{
	fputs(main_usage, out);
	fputs("Commands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fputs("\nRun 'gantry help COMMAND' for a command's options; "
	      "'man gantry' for the manual.\n",
	      out);
}

int cmd_fail(const struct gerr *err)
{
	fprintf(stderr, "error: %s\n", gerr_msg(err));
	return 1;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'gantry %s%s--help' for usage.\n",
		cmd ? cmd : "", cmd ? " " : "");
	return 1;
}

int cmd_write_stdout(const char *buf, size_t len, struct gerr *err)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return gerr_setc(err, GERR_IO, "writing output: %s",
					 strerror(errno));
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	mem_init();
	/* a closed pipe is an error we report, not a reason to die silently */
	signal(SIGPIPE, SIG_IGN);

	/* '+' stops at the first non-option: the rest belongs to the command */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			command_print_overview(stdout);
			return 0;
		case 'V': {
			char *args[] = { "version", NULL };
			optind = 0;
			return cmd_version(1, args);
		}
		default:
			return cmd_usage_error(NULL, "unknown option");
		}
	}
	if (optind >= argc) {
		command_print_overview(stderr);
		return 1;
	}
	const struct command *cmd = command_find(argv[optind]);
	if (!cmd)
		return cmd_usage_error(NULL, "'%s' is not a gantry command",
				       argv[optind]);
	argc -= optind;
	argv += optind;
	optind = 0; /* GNU getopt: start afresh for the command */
	return cmd->run(argc, argv);
}
