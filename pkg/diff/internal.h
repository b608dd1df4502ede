#ifndef GANTRY_DIFF_INTERNAL_H
#define GANTRY_DIFF_INTERNAL_H

/* Shared between the files of pkg/diff; not part of its API. */

#include <jansson.h>
#include <stddef.h>

#include "pkg/base/strbuf.h"
#include "pkg/diff/diff.h"

#define DIFF_SENSITIVE "(sensitive value)"
#define DIFF_SENSITIVE_CHANGED "(sensitive value changed)"

/* A parsed JSON pointer: unescaped segments, "*" matching anything. */
struct diff_pattern {
	char **segs;
	size_t nr;
};

/* The patterns that apply to one object (borrowed from the rules). */
struct diff_patterns {
	const struct diff_pattern **v;
	size_t nr, alloc;
};

/* rules.c: the patterns for an object of this identity; sensitive ones
 * include a Secret's data and stringData. Release with patterns_release
 * (which frees the array, not the patterns). */
void rules_select(const struct diff_rules *r, int sensitive,
		  const char *group, const char *kind, const char *ns,
		  const char *name, struct diff_patterns *out);
void patterns_release(struct diff_patterns *p);
/* Does p match the concrete path segs[0..depth)? */
int pattern_match(const struct diff_pattern *p, char *const *segs,
		  size_t depth);

/* Append "/" and seg escaped as RFC 6901 says. */
void ptr_append(struct strbuf *sb, const char *seg);

/* ignore.c: set the fields the patterns name to their live value in
 * desired, and drop them from last (either may be NULL). */
void ignore_apply(const struct diff_patterns *pats, const json_t *live,
		  json_t *desired, json_t *last);

/* quantity.c: a and b (strings or numbers) are Kubernetes quantities of
 * the same value ("500m" and 0.5, "1Gi" and "1024Mi"). */
int quantity_equal(const json_t *a, const json_t *b);

/* unified.c: a unified diff of two texts (lines ending with '\n') with
 * `context` lines of context: "@@ -L,N +L,N @@" headers and " ", "-",
 * "+" lines. Nothing when they are equal. */
void unified_diff(const char *a, const char *b, int context,
		  struct strbuf *out);

#endif
