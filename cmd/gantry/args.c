/* Option values every command parses the same way. */
#include <stdlib.h>
#include <string.h>

#include "cmd/gantry/cmd.h"
#include "pkg/kube/kube.h"

int cmd_int_arg(const char *s, int min, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_duration_arg(const char *cmd, const char *opt, const char *s,
		     long *ms)
{
	struct gerr err = GERR_INIT;
	int rc = 0;

	if (kube_parse_duration(s, ms, &err) < 0) {
		rc = cmd_usage_error(cmd, "%s: %s", opt, gerr_msg(&err));
		gerr_clear(&err);
	}
	return rc;
}

int cmd_verbosity_arg(const char *cmd, const char *s, int *level)
{
	/* kubectl's spelling -v=6 works too */
	if (cmd_int_arg(s + (*s == '='), 0, level) < 0 || *level > 10)
		return cmd_usage_error(cmd, "-v needs a level (0 to 10), not "
				       "'%s'", s);
	return 0;
}

int cmd_output_arg(const char *cmd, const char *format)
{
	if (strcmp(format, "text") && strcmp(format, "json"))
		return cmd_usage_error(cmd, "unknown output format '%s' (use "
				       "text or json)", format);
	return 0;
}
