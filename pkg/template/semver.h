#ifndef GANTRY_TEMPLATE_SEMVER_H
#define GANTRY_TEMPLATE_SEMVER_H

/*
 * Semantic versions and constraints as Helm checks them: the rules of
 * Masterminds/semver v3.3.0, the library behind Sprig's semver and
 * semverCompare and Helm's Chart.yaml kubeVersion and dependency checks.
 *
 *   struct semver v;
 *   if (semver_parse("v1.29.3-gke.1", &v, &err) < 0) ...   // NewVersion
 *   struct semver_constraints *c =
 *       semver_constraints_parse(">=1.21.0-0 <2 || ~3.1", &err);
 *   if (semver_constraints_check(c, &v)) ...                 // Check
 *   semver_constraints_free(c);
 *   semver_release(&v);
 *
 * Parsing (NewVersion) is lenient as the library is: a leading "v", a
 * missing minor or patch ("1.2" is 1.2.0) and leading zeros in numbers
 * ("01.2.3") are accepted; the pre-release and metadata parts are checked
 * ("1.2.3-01" fails: "Version segment starts with 0"). semver_parse_strict
 * is StrictNewVersion (what Helm uses for a chart's own version).
 *
 * Constraints: comparisons = != > < >= => <= =< with x, X or * wildcards
 * ("1.2.x", ">= 1.*"), ~ and ~> (patch-level changes), ^ (compatible
 * changes, with the npm/Cargo rules for 0.x), hyphen ranges "1.2 - 1.4.5",
 * AND by spaces or commas, OR by "||". A version with a pre-release
 * satisfies a constraint only if that constraint has a pre-release too —
 * which is why charts write ">=1.21.0-0" to accept "1.21.3-gke.100".
 *
 * Error messages are the library's own ("Invalid Semantic Version",
 * "improper constraint: >= bar"), as Sprig's functions surface them.
 */

#include "pkg/base/error.h"
#include "pkg/base/strbuf.h"

struct semver {
	unsigned long long major, minor, patch;
	char *pre;              /* pre-release without the "-"; "" if none */
	char *meta;             /* build metadata without the "+"; "" if none */
	char *original;         /* the text parsed */
};

/* NewVersion. Fills v (release it with semver_release) and returns 0, or
 * returns -1 with err set and v left empty. */
int semver_parse(const char *s, struct semver *v, struct gerr *err);
/* StrictNewVersion: exactly MAJOR.MINOR.PATCH[-PRE][+META], no "v", no
 * leading zeros. */
int semver_parse_strict(const char *s, struct semver *v, struct gerr *err);
void semver_release(struct semver *v);

/* -1, 0 or 1 as a sorts before, equal to (metadata is ignored) or after b. */
int semver_compare(const struct semver *a, const struct semver *b);

/* String(): "1.2.3-pre+meta", without any leading "v". */
void semver_format(struct strbuf *out, const struct semver *v);

struct semver_constraints;

/* NewConstraint. NULL (with err set) when the text is not a constraint. */
struct semver_constraints *semver_constraints_parse(const char *s,
						    struct gerr *err);
/* Check: 1 when v satisfies the constraints, else 0. */
int semver_constraints_check(const struct semver_constraints *c,
			     const struct semver *v);
void semver_constraints_free(struct semver_constraints *c);

#endif
