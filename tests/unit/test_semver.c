/*
 * pkg/template/semver.h: versions and constraints.
 *
 * The expected answers are those of Masterminds/semver v3 (the library
 * Helm and Sprig use), taken from its documented rules and from the
 * constraint tables of its own test suite (constraints_test.go:
 * TestConstraintCheck, TestConstraintsCheck, TestNewConstraint).
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/strbuf.h"
#include "pkg/template/semver.h"
#include "tests/unit/harness.h"

static void test_parse(void)
{
	static const struct {
		const char *in;
		const char *want;       /* String(), or the error */
		int ok;
	} cases[] = {
		{ "1.2.3", "1.2.3", 1 },
		{ "v1.2.3", "1.2.3", 1 },
		{ "1.2", "1.2.0", 1 },
		{ "1", "1.0.0", 1 },
		{ "v1.29.3-gke.100", "1.29.3-gke.100", 1 },
		{ "1.2.3-beta.1+build.5", "1.2.3-beta.1+build.5", 1 },
		{ "1.2-alpha", "1.2.0-alpha", 1 },
		{ "1.2.3+meta-data", "1.2.3+meta-data", 1 },
		{ "1.2.3--", "1.2.3--", 1 },
		/* v3.3.0 still coerces leading zeros in the numbers */
		{ "01.02.03", "1.2.3", 1 },
		{ "1.2.3-0", "1.2.3-0", 1 },
		{ "1.2.3-01", "Version segment starts with 0", 0 },
		{ "1.2.3-alpha.01", "Version segment starts with 0", 0 },
		{ "1.2.3-0a", "1.2.3-0a", 1 },
		{ "", "Invalid Semantic Version", 0 },
		{ "v", "Invalid Semantic Version", 0 },
		{ "V1.2.3", "Invalid Semantic Version", 0 },
		{ "1.2.3.4", "Invalid Semantic Version", 0 },
		{ "1.2.x", "Invalid Semantic Version", 0 },
		{ "1.2.3-", "Invalid Semantic Version", 0 },
		{ "1.2.3-a..b", "Invalid Semantic Version", 0 },
		{ "1.2.3+", "Invalid Semantic Version", 0 },
		{ " 1.2.3", "Invalid Semantic Version", 0 },
		{ "1.2.3 ", "Invalid Semantic Version", 0 },
		{ "18446744073709551615.0.0", "18446744073709551615.0.0", 1 },
		{ "18446744073709551616.0.0",
		  "Error parsing version segment: strconv.ParseUint: parsing "
		  "\"18446744073709551616\": value out of range", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct semver v;
		struct gerr err = GERR_INIT;
		struct strbuf sb = STRBUF_INIT;
		int rc = semver_parse(cases[i].in, &v, &err);
		if (rc == 0) {
			semver_format(&sb, &v);
			t_str(v.original, cases[i].in, "original of '%s'",
			      cases[i].in);
		}
		t_str(rc == 0 ? sb.buf : gerr_msg(&err), cases[i].want,
		      "parse '%s'", cases[i].in);
		t_int(rc == 0, cases[i].ok, "parse '%s' succeeds",
		      cases[i].in);
		semver_release(&v);
		strbuf_release(&sb);
		gerr_clear(&err);
	}
}

static void test_parse_strict(void)
{
	static const struct {
		const char *in;
		const char *want;
	} cases[] = {
		{ "1.2.3", "1.2.3" },
		{ "1.2.3-beta.1+b.2", "1.2.3-beta.1+b.2" },
		{ "1.2.3+b-2", "1.2.3+b-2" },
		{ "v1.2.3", "Invalid characters in version" },
		{ "1.2", "Invalid Semantic Version" },
		{ "01.2.3", "Version segment starts with 0" },
		{ "1.2.3-01", "Version segment starts with 0" },
		{ "1.2.3-a_b", "Invalid Prerelease string" },
		{ "1.2.3+a_b", "Invalid Metadata string" },
		{ "", "Version string empty" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct semver v;
		struct gerr err = GERR_INIT;
		struct strbuf sb = STRBUF_INIT;
		int rc = semver_parse_strict(cases[i].in, &v, &err);
		if (rc == 0)
			semver_format(&sb, &v);
		t_str(rc == 0 ? sb.buf : gerr_msg(&err), cases[i].want,
		      "strict parse '%s'", cases[i].in);
		semver_release(&v);
		strbuf_release(&sb);
		gerr_clear(&err);
	}
}

static void test_compare(void)
{
	/* each is less than the next (semver.org's precedence example) */
	static const char *const order[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct semver a, b;
			semver_parse(order[i], &a, NULL);
			semver_parse(order[j], &b, NULL);
			t_int(semver_compare(&a, &b),
			      i < j ? -1 : i > j ? 1 : 0, "compare %s %s",
			      order[i], order[j]);
			semver_release(&a);
			semver_release(&b);
		}
	struct semver a, b;
	semver_parse("1.2.3+one", &a, NULL);
	semver_parse("v1.2.3+two", &b, NULL);
	t_int(semver_compare(&a, &b), 0, "metadata is not compared");
	semver_release(&a);
	semver_release(&b);
}

static void test_check(void)
{
	static const struct {
		const char *constraint, *version;
		int check;
	} cases[] = {
		/* TestConstraintCheck */
		{ "=2.0.0", "1.2.3", 0 }, { "=2.0.0", "2.0.0", 1 },
		{ "=2.0", "1.2.3", 0 }, { "=2.0", "2.0.0", 1 },
		{ "=2.0", "2.0.1", 1 }, { "4.1", "4.1.0", 1 },
		{ "!=4.1.0", "4.1.0", 0 }, { "!=4.1.0", "4.1.1", 1 },
		{ "!=4.1", "4.1.0", 0 }, { "!=4.1", "4.1.1", 0 },
		{ "!=4.1", "5.1.0-alpha.1", 0 }, { "!=4.1-alpha", "4.1.0", 1 },
		{ "!=4.1", "5.1.0", 1 }, { "<11", "0.1.0", 1 },
		{ "<11", "11.1.0", 0 }, { "<1.1", "0.1.0", 1 },
		{ "<1.1", "1.1.0", 0 }, { "<1.1", "1.1.1", 0 },
		{ "<=11", "1.2.3", 1 }, { "<=11", "12.2.3", 0 },
		{ "<=11", "11.2.3", 1 }, { "<=1.1", "1.2.3", 0 },
		{ "<=1.1", "0.1.0", 1 }, { "<=1.1", "1.1.0", 1 },
		{ "<=1.1", "1.1.1", 1 }, { ">1.1", "4.1.0", 1 },
		{ ">1.1", "1.1.0", 0 }, { ">0", "0", 0 }, { ">0", "1", 1 },
		{ ">0", "0.0.1-alpha", 0 }, { ">0.0", "0.0.1-alpha", 0 },
		{ ">0-0", "0.0.1-alpha", 0 }, { ">0.0-0", "0.0.1-alpha", 0 },
		{ ">0", "0.0.0-alpha", 0 }, { ">0-0", "0.0.0-alpha", 0 },
		{ ">0.0.0-0", "0.0.0-alpha", 1 },
		{ ">1.2.3-alpha.1", "1.2.3-alpha.2", 1 },
		{ ">1.2.3-alpha.1", "1.3.3-alpha.2", 1 },
		{ ">11", "11.1.0", 0 }, { ">11.1", "11.1.0", 0 },
		{ ">11.1", "11.1.1", 0 }, { ">11.1", "11.2.1", 1 },
		{ ">=11", "11.1.2", 1 }, { ">=11.1", "11.1.2", 1 },
		{ ">=11.1", "11.0.2", 0 }, { ">=1.1", "4.1.0", 1 },
		{ ">=1.1", "1.1.0", 1 }, { ">=1.1", "0.0.9", 0 },
		{ ">=0", "0.0.1-alpha", 0 }, { ">=0.0", "0.0.1-alpha", 0 },
		{ ">=0-0", "0.0.1-alpha", 1 }, { ">=0.0-0", "0.0.1-alpha", 1 },
		{ ">=0", "0.0.0-alpha", 0 }, { ">=0-0", "0.0.0-alpha", 1 },
		{ ">=0.0.0-0", "0.0.0-alpha", 1 }, { ">=0.0.0-0", "1.2.3", 1 },
		{ ">=0.0.0-0", "3.4.5-beta.1", 1 }, { "<0", "0.0.0-alpha", 0 },
		{ "<0-z", "0.0.0-alpha", 1 }, { ">=0", "0", 1 },
		{ "=0", "1", 0 }, { "*", "1", 1 }, { "*", "4.5.6", 1 },
		{ "*", "1.2.3-alpha.1", 0 }, { "*-0", "1.2.3-alpha.1", 1 },
		{ "2.*", "1", 0 }, { "2.*", "3.4.5", 0 }, { "2.*", "2.1.1", 1 },
		{ "2.1.*", "2.1.1", 1 }, { "2.1.*", "2.2.1", 0 },
		{ "2", "1", 0 }, { "2", "3.4.5", 0 }, { "2", "2.1.1", 1 },
		{ "2.1", "2.1.1", 1 }, { "2.1", "2.2.1", 0 },
		{ "~1.2.3", "1.2.4", 1 }, { "~1.2.3", "1.3.4", 0 },
		{ "~1.2", "1.2.4", 1 }, { "~1.2", "1.3.4", 0 },
		{ "~1", "1.2.4", 1 }, { "~1", "2.3.4", 0 },
		{ "~0.2.3", "0.2.5", 1 }, { "~0.2.3", "0.3.5", 0 },
		{ "~1.2.3-beta.2", "1.2.3-beta.4", 1 },
		{ "~1.2.3-beta.2", "1.2.4-beta.2", 1 },
		{ "~1.2.3-beta.2", "1.3.4-beta.2", 0 },
		{ "^1.2.3", "1.8.9", 1 }, { "^1.2.3", "2.8.9", 0 },
		{ "^1.2.3", "1.2.1", 0 }, { "^1.1.0", "2.1.0", 0 },
		{ "^1.2.0", "2.2.1", 0 }, { "^1.2.0", "1.2.1-alpha.1", 0 },
		{ "^1.2.0-alpha.0", "1.2.1-alpha.1", 1 },
		{ "^1.2.0-alpha.0", "1.2.1-alpha.0", 1 },
		{ "^1.2.0-alpha.2", "1.2.0-alpha.1", 0 },
		{ "^1.2", "1.8.9", 1 }, { "^1.2", "2.8.9", 0 },
		{ "^1", "1.8.9", 1 }, { "^1", "2.8.9", 0 },
		{ "^0.2.3", "0.2.5", 1 }, { "^0.2.3", "0.5.6", 0 },
		{ "^0.2", "0.2.5", 1 }, { "^0.2", "0.5.6", 0 },
		{ "^0.0.3", "0.0.3", 1 }, { "^0.0.3", "0.0.4", 0 },
		{ "^0.0", "0.0.3", 1 }, { "^0.0", "0.1.4", 0 },
		{ "^0.0", "1.0.4", 0 }, { "^0", "0.2.3", 1 },
		{ "^0", "1.1.4", 0 }, { "^0.2.3-beta.2", "0.2.3-beta.4", 1 },
		{ "^0.2.3-beta.2", "0.2.4-beta.2", 1 },
		{ "^0.2.3-beta.2", "0.3.4-beta.2", 0 },
		{ "^0.2.3-beta.2", "0.2.3-beta.2", 1 },
		/* TestConstraintsCheck */
		{ "~0.0.0", "1.2.3", 1 }, { "0.x.x", "1.2.3", 0 },
		{ "0.0.x", "1.2.3", 0 }, { "0.0.0", "1.2.3", 0 },
		{ "^0.0.0", "1.2.3", 0 }, { "= 2.0", "1.2.3", 0 },
		{ "= 2.0", "2.0.0", 1 }, { "4.1.x", "4.1.3", 1 },
		{ "1.x", "1.4", 1 }, { "!=4.1-alpha", "4.1.0-alpha", 0 },
		{ "!=4.1-alpha", "4.1.1-alpha", 0 }, { "!=4.x", "5.1.0", 1 },
		{ "!=4.x", "4.1.0", 0 }, { "!=4.1.x", "4.2.0", 1 },
		{ "!=4.2.x", "4.2.3", 0 }, { "<1.x", "1.1.1", 0 },
		{ "<1.x", "0.1.1", 1 }, { "<1.x", "2.0.0", 0 },
		{ "<1.1.x", "1.2.1", 0 }, { "<1.1.x", "1.1.500", 0 },
		{ "<1.1.x", "1.0.500", 1 }, { "<1.2.x", "1.1.1", 1 },
		{ ">=1.1", "4.1.0-beta", 0 }, { "<=1.1", "0.1.0-alpha", 0 },
		{ "<=1.1-a", "0.1.0-alpha", 1 }, { "<=1.x", "1.1.0", 1 },
		{ "<=2.x", "3.0.0", 0 }, { "<=1.1.x", "1.2.500", 0 },
		{ "<=4.5", "3.4.0", 1 }, { "<=4.5", "3.7.0", 1 },
		{ "<=4.5", "4.6.3", 0 }, { ">1.1, <2", "1.1.1", 0 },
		{ ">1.1, <2", "1.2.1", 1 }, { ">1.1, <3", "4.3.2", 0 },
		{ ">=1.1, <2, !=1.2.3", "1.2.3", 0 }, { ">1.1 <2", "1.1.1", 0 },
		{ ">1.1 <2", "1.2.1", 1 }, { ">1.1    <3", "4.3.2", 0 },
		{ ">=1.1    <2    !=1.2.3", "1.2.3", 0 },
		{ ">=1.1, <2, !=1.2.3 || > 3", "4.1.2", 1 },
		{ ">=1.1, <2, !=1.2.3 || > 3", "3.1.2", 0 },
		{ ">=1.1, <2, !=1.2.3 || >= 3", "3.0.0", 1 },
		{ ">=1.1, <2, !=1.2.3 || > 3", "3.0.0", 0 },
		{ ">=1.1, <2, !=1.2.3 || > 3", "1.2.3", 0 },
		{ ">=1.1 <2 !=1.2.3 || > 3", "4.1.2", 1 },
		{ "> 1.1, <     2", "1.1.1", 0 }, { ">   1.1, <2", "1.2.1", 1 },
		{ ">= 1.1, <     2, !=1.2.3", "1.2.3", 0 },
		{ "> 1.1 < 2", "1.1.1", 0 }, { ">1.1 < 2", "1.2.1", 1 },
		{ ">= 1.1 <2 != 1.2.3 || >= 3", "3.0.0", 1 },
		{ "1.1 - 2", "1.1.1", 1 }, { "1.5.0 - 4.5", "3.7.0", 1 },
		{ "1.1-3", "4.3.2", 0 }, { "^1.1", "1.1.1", 1 },
		{ "^1.1", "4.3.2", 0 }, { "^1.x", "1.1.1", 1 },
		{ "^2.x", "1.1.1", 0 }, { "^1.x", "2.1.1", 0 },
		{ "^1.x", "1.1.1-beta1", 0 }, { "^1.1.2-alpha", "1.2.1-beta1", 1 },
		{ "^1.2.x-alpha", "1.1.1-beta1", 0 }, { "^0.0.1", "0.0.1", 1 },
		{ "^0.0.1", "0.3.1", 0 }, { "~*", "2.1.1", 1 },
		{ "~1", "2.1.1", 0 }, { "~1", "1.3.5", 1 }, { "~1", "1.4", 1 },
		{ "~1.x", "2.1.1", 0 }, { "~1.x", "1.3.5", 1 },
		{ "~1.1", "1.1.1-alpha", 0 }, { "~1.1-alpha", "1.1.1-beta", 1 },
		{ "~1.1.1-beta", "1.1.1-alpha", 0 }, { "~1.1.1-beta", "1.1.1", 1 },
		{ "~1.2.3", "1.2.2", 0 }, { "~1.1", "1.2.3", 0 },
		{ "~1.3", "2.4.5", 0 },
		/* what charts write for kubeVersion and Capabilities checks */
		{ ">=1.21.0-0", "v1.29.3-gke.100", 1 },
		{ ">=1.21.0", "v1.29.3-gke.100", 0 },
		{ ">= 1.19-0 < 1.30-0", "1.29.0", 1 },
		{ ">= 1.19-0 < 1.30-0", "1.30.1", 0 },
		{ "~> 1.2", "1.2.9", 1 }, { "=> 1.2", "1.3.0", 1 },
		{ "=< 1.2", "1.2.0", 1 }, { "3 - 4 || => 3.0, < 4", "4.0.5", 1 },
		{ "v2.3.5-20161202202307-sha.e8fc5e5", "2.3.5-20161202202307-sha.e8fc5e5", 1 },
		{ "12.3.34 ~1.2.3", "12.3.34", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gerr err = GERR_INIT;
		struct semver v;
		struct semver_constraints *c =
			semver_constraints_parse(cases[i].constraint, &err);
		if (!c) {
			t_ok(0, "parse '%s': %s", cases[i].constraint,
			     gerr_msg(&err));
			gerr_clear(&err);
			continue;
		}
		if (semver_parse(cases[i].version, &v, &err) < 0) {
			t_ok(0, "parse '%s': %s", cases[i].version,
			     gerr_msg(&err));
			gerr_clear(&err);
			semver_constraints_free(c);
			continue;
		}
		t_int(semver_constraints_check(c, &v), cases[i].check,
		      "'%s' admits '%s'", cases[i].constraint,
		      cases[i].version);
		semver_release(&v);
		semver_constraints_free(c);
	}
}

static void test_constraint_errors(void)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ ">= bar", "improper constraint: >= bar" },
		{ "BAR >= 1.2.3", "improper constraint: BAR >= 1.2.3" },
		{ "12.3.4.1234", "improper constraint: 12.3.4.1234" },
		{ "12.3.34~ 1.2.3", "improper constraint: 12.3.34~ 1.2.3" },
		{ "", "improper constraint: " },
		{ ">1 || <", "improper constraint:  <" },
		{ "1x", "constraint Parser Error" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gerr err = GERR_INIT;
		struct semver_constraints *c =
			semver_constraints_parse(cases[i].in, &err);
		t_str(c ? "(parsed)" : gerr_msg(&err), cases[i].err,
		      "constraint '%s' is refused", cases[i].in);
		semver_constraints_free(c);
		gerr_clear(&err);
	}
}

int main(void)
{
	test_parse();
	test_parse_strict();
	test_compare();
	test_check();
	test_constraint_errors();
	return t_done();
}
