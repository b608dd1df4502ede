#ifndef GANTRY_TEST_HARNESS_H
#define GANTRY_TEST_HARNESS_H

/*
 * A tiny TAP producer for the C unit tests. Each check prints
 * "ok N - name" or "not ok N - name" (with a diagnostic); tests/run counts
 * them together with the bats tests.
 */

#include <jansson.h>
#include <stddef.h>

void t_ok(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compare strings; on failure print both. */
void t_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void t_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* json_equal, with both printed on failure. */
void t_json(const json_t *got, const json_t *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print a diagnostic line ("# ..."). */
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan and return the exit status (0 when all passed). */
int t_done(void);

/* Where the test data lives (GANTRY_TESTDATA, default "testdata"). */
const char *t_testdata(void);

#endif
