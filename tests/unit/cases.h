#ifndef GANTRY_TEST_CASES_H
#define GANTRY_TEST_CASES_H

/*
 * Data-driven test cases: testdata/DIR/NAME.test files holding cases like
 *
 *   === name of the case
 *   # comment lines before the first section are ignored
 *   --- section
 *   body, taken verbatim
 *   --- other section
 *   ...
 *
 * One blank line before the next "===" separates cases and is not part of
 * the last section.
 */

#include <jansson.h>

#include "pkg/base/strbuf.h"

#define CASE_MAX_SECTIONS 12

struct tcase {
	const char *file;
	char *name;
	int line;
	struct {
		char name[32];
		struct strbuf body;
	} s[CASE_MAX_SECTIONS];
	int nr;
};

/* The body of a section, or NULL. */
const char *case_section(const struct tcase *c, const char *name);

/* A section as a value: JSON when it parses as JSON (duplicate keys
 * rejected), else YAML (kubectl's typing). NULL when absent; a failed
 * test when it parses as neither. Caller owns the result. */
json_t *case_value(const struct tcase *c, const char *name);

/* A section's text without its trailing newlines (caller frees). */
char *case_text(const struct tcase *c, const char *name);

/* Call fn for every case of every *.test file under testdata/DIR, in
 * file name order. */
void cases_run_dir(const char *dir, void (*fn)(const struct tcase *c,
					      void *data),
		   void *data);

#endif
