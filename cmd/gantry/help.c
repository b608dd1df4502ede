/* gantry help [COMMAND] */
#include <stdio.h>
#include <string.h>

#include "cmd/gantry/cmd.h"

const char help_usage[] =
	"usage: gantry help [COMMAND]\n"
	"\n"
	"Show the overview of gantry, or the options of one command (the same\n"
	"text as 'gantry COMMAND --help').\n"
	"\n"
	"Options:\n"
	"  -h, --help       show this help\n";

int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		command_print_overview(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(help_usage, stdout);
		return 0;
	}
	const struct command *cmd = command_find(argv[1]);
	if (!cmd)
		return cmd_usage_error("help", "'%s' is not a gantry command",
				       argv[1]);
	fputs(cmd->usage, stdout);
	return 0;
}
