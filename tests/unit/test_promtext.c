/*
 * The strict Prometheus text-format checker the sync tests rely on: it
 * must accept what the format allows and refuse each thing it forbids,
 * or a passing metrics test would prove nothing.
 *
 *   test_promtext                run these tests (TAP)
 *   test_promtext --check FILE   check FILE ("-": stdin); exit 0 when it
 *                                passes, else 1 with the reason (bats)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkg/base/error.h"
#include "pkg/base/mem.h"
#include "pkg/source/source.h"
#include "tests/unit/harness.h"
#include "tests/unit/promtext.h"

#define HIST_HEAD "# HELP d_seconds Durations.\n# TYPE d_seconds histogram\n"

static void good(const char *text, const char *what)
{
	char *why;
	int rc = promtext_check(text, &why);

	t_ok(rc == 0, "accepts %s", what);
	if (rc)
		t_diag("%s", why);
	free(why);
}

static void bad(const char *text, const char *want, const char *what)
{
	char *why;
	int rc = promtext_check(text, &why);

	t_ok(rc == -1, "refuses %s", what);
	t_str(why, want, "  with the reason");
	free(why);
}

static int check_file(const char *file)
{
	struct gerr err = GERR_INIT;
	size_t len;
	char *text = source_read_file(file, &len, &err), *why;
	int rc = 1;

	if (!text) {
		fprintf(stderr, "%s\n", gerr_msg(&err));
		gerr_clear(&err);
		return 1;
	}
	if (strlen(text) != len)
		fprintf(stderr, "%s: a NUL byte\n", file);
	else if (promtext_check(text, &why) < 0)
		fprintf(stderr, "%s: %s\n", file, why), free(why);
	else
		rc = 0;
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	mem_init();
	if (argc == 3 && !strcmp(argv[1], "--check"))
		return check_file(argv[2]);

	good("", "an empty exposition");
	good("# HELP up_total Ups, with \\\\ and \\n escaped.\n"
	     "# TYPE up_total counter\n"
	     "up_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
	     "up_total{method=\"post\",code=\"400\"}    3 1395066363000\n"
	     "\n"
	     "# a comment\n"
	     "# HELP weird A gauge.\n"
	     "# TYPE weird gauge\n"
	     "weird{problem=\"division by zero\",} +Inf -3982045\n"
	     "weird{path=\"C:\\\\DIR\\\\F.TXT\",e=\"a:\\n\\\"F\\\"\"} "
	     "1.458255915e9\n"
	     "weird 12.47\n"
	     "weird{x=\"nan\"} NaN\n",
	     "counters, gauges, escapes, blanks, timestamps, +Inf, NaN "
	     "(the documentation's examples, with HELP and TYPE)");
	good(HIST_HEAD
	     "d_seconds_bucket{app=\"a\",le=\"0.1\"} 1\n"
	     "d_seconds_bucket{app=\"a\",le=\"1\"} 1\n"
	     "d_seconds_bucket{app=\"a\",le=\"+Inf\"} 2\n"
	     "d_seconds_sum{app=\"a\"} 3.5\n"
	     "d_seconds_count{app=\"a\"} 2\n"
	     "d_seconds_bucket{app=\"b\",le=\"0.1\"} 0\n"
	     "d_seconds_bucket{app=\"b\",le=\"+Inf\"} 0\n"
	     "d_seconds_sum{app=\"b\"} 0\n"
	     "d_seconds_count{app=\"b\"} 0\n",
	     "a histogram of two label sets");

	bad("# HELP a A.\n# TYPE a gauge\na 1", "line 3: the last line does "
	    "not end with a newline", "a missing final newline");
	bad("# HELP a A.\r\n# TYPE a gauge\na 1\n", "line 1: a carriage return",
	    "CRLF");
	bad("a 1\n", "line 1: a: a sample before its TYPE", "no TYPE");
	bad("# TYPE a gauge\na 1\n", "line 2: a: no HELP before its samples",
	    "no HELP");
	bad("# HELP a A.\n# TYPE a gauge\n# TYPE a gauge\n",
	    "line 3: a: a second TYPE", "two TYPEs");
	bad("# HELP a A.\n# HELP a A.\n", "line 2: a: a second HELP",
	    "two HELPs");
	bad("# HELP a A.\n# TYPE a bogus\n", "line 2: a: unknown type 'bogus'",
	    "an unknown type");
	bad("# HELP a A.\n# TYPE a counter\n",
	    "line 2: counter a does not end in _total", "a counter's name");
	bad("# HELP a_total A.\n# TYPE a_total counter\na_total -1\n",
	    "line 3: counter a_total is negative", "a negative counter");
	bad("# HELP a A.\n# TYPE a gauge\na 1x\n",
	    "line 3: a: the value is not a float", "a bad value");
	bad("# HELP a A.\n# TYPE a gauge\na 0x10\n",
	    "line 3: a: the value is not a float", "a hex value");
	bad("# HELP a A.\n# TYPE a gauge\na 1 1.5\n",
	    "line 3: a: the timestamp is not an integer", "a float timestamp");
	bad("# HELP a A.\n# TYPE a gauge\na{b=\"1\",b=\"2\"} 1\n",
	    "line 3: label b twice", "a label twice");
	bad("# HELP a A.\n# TYPE a gauge\na{__b=\"1\"} 1\n",
	    "line 3: label names starting __ are reserved", "a reserved label");
	bad("# HELP a A.\n# TYPE a gauge\na{b=\"\\t\"} 1\n",
	    "line 3: bad escape in a label value", "a bad escape");
	bad("# HELP a A.\n# TYPE a gauge\na{b=\"1} 1\n",
	    "line 3: unterminated label value", "an open quote");
	bad("# HELP a A.\n# TYPE a gauge\na{b=1} 1\n",
	    "line 3: label b: expected =\"", "an unquoted value");
	bad("# HELP a A.\n# TYPE a gauge\na{b=\"1\"} 1\na{b=\"1\"} 2\n",
	    "line 4: a{b=1,: the same series twice", "a series twice");
	bad("# HELP a A.\n# TYPE a gauge\n# HELP b B.\n# TYPE b gauge\n"
	    "b 1\na 1\n",
	    "line 6: a: its lines are not one group", "interleaved families");
	bad("# HELP a A.\n# TYPE a gauge\na 1\n# TYPE a gauge\n",
	    "line 4: a: a second TYPE", "TYPE after samples");
	bad("# HELP 1a A.\n", "line 1: a HELP line without a metric name",
	    "a bad metric name");
	bad("# TYPE a gauge\n", "line 1: a: no HELP",
	    "a TYPE without HELP");
	bad(HIST_HEAD "d_seconds_bucket{le=\"1\"} 2\n"
	    "d_seconds_bucket{le=\"0.5\"} 2\n",
	    "line 4: d_seconds_bucket: le 0.5 is not above the one before",
	    "buckets out of order");
	bad(HIST_HEAD "d_seconds_bucket{le=\"1\"} 2\n"
	    "d_seconds_bucket{le=\"2\"} 1\n",
	    "line 4: d_seconds_bucket: count 1 below the one before",
	    "decreasing buckets");
	bad(HIST_HEAD "d_seconds_bucket{le=\"1\"} 2\nd_seconds_sum 1\n"
	    "d_seconds_count 2\n",
	    "line 5: d_seconds{}: no le=\"+Inf\" bucket", "no +Inf bucket");
	bad(HIST_HEAD "d_seconds_bucket{le=\"+Inf\"} 2\nd_seconds_sum 1\n"
	    "d_seconds_count 3\n",
	    "line 5: d_seconds{}: the +Inf bucket (2) is not _count (3)",
	    "+Inf unequal to _count");
	bad(HIST_HEAD "d_seconds_bucket{le=\"+Inf\"} 2\nd_seconds_count 2\n",
	    "line 4: d_seconds{}: no _sum", "no _sum");
	bad(HIST_HEAD "d_seconds_bucket 2\n",
	    "line 3: d_seconds_bucket without a numeric le label",
	    "a bucket without le");
	bad(HIST_HEAD "d_seconds 2\n",
	    "line 3: d_seconds: a histogram sample needs _bucket, _sum or "
	    "_count", "a bare histogram sample");
	return t_done();
}
