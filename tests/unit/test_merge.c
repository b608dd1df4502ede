/*
 * pkg/merge, driven by the case files testdata/merge/NAME.test (format in
 * tests/unit/cases.h). The sections a case has say what it tests:
 *
 *   doc + ops + result|error        RFC 6902 JSON patch
 *   doc + ops-invalid               a patch text that must not parse
 *   doc + merge-patch + result      RFC 7386 JSON merge patch
 *
 * "error" sections hold the exact message.
 */
#include <stdlib.h>
#include <string.h>

#include "pkg/base/mem.h"
#include "pkg/merge/merge.h"
#include "tests/unit/cases.h"
#include "tests/unit/harness.h"

static void check_error(const struct tcase *c, const char *got_msg,
			json_t *got, const char *what)
{
	char *want = case_text(c, "error");
	t_str(got ? "(no error)" : got_msg, want, "%s: %s error", c->name,
	      what);
	free(want);
}

static void json_patch_case(const struct tcase *c)
{
	json_t *doc = case_value(c, "doc");
	struct gerr err = GERR_INIT;

	if (case_section(c, "ops-invalid")) {
		json_error_t je;
		json_t *ops = json_loads(case_section(c, "ops-invalid"),
					 JSON_REJECT_DUPLICATES, &je);
		t_ok(!ops, "%s: the patch text is rejected (%s)", c->name,
		     ops ? "it parsed" : je.text);
		json_decref(ops);
		json_decref(doc);
		return;
	}
	json_t *ops = case_value(c, "ops");
	json_t *copy = json_deep_copy(doc);
	json_t *got = merge_apply_json_patch(doc, ops, &err);
	if (case_section(c, "error")) {
		check_error(c, gerr_msg(&err), got, "JSON patch");
	} else {
		json_t *want = case_value(c, "result");
		t_json(got, want, "%s: JSON patch", c->name);
		if (!got)
			t_diag("%s", gerr_msg(&err));
		json_decref(want);
	}
	t_json(doc, copy, "%s: the document is left unchanged", c->name);
	json_decref(got);
	json_decref(copy);
	json_decref(ops);
	json_decref(doc);
	gerr_clear(&err);
}

static void merge_patch_case(const struct tcase *c)
{
	json_t *doc = case_value(c, "doc");
	json_t *patch = case_value(c, "merge-patch");
	json_t *want = case_value(c, "result");
	json_t *got = merge_apply_merge_patch(doc, patch);

	t_json(got, want, "%s: merge patch", c->name);
	json_decref(got);
	json_decref(want);
	json_decref(patch);
	json_decref(doc);
}

static void run_case(const struct tcase *c, void *data)
{
	if (case_section(c, "ops") || case_section(c, "ops-invalid"))
		json_patch_case(c);
	else if (case_section(c, "merge-patch"))
		merge_patch_case(c);
	else
		t_ok(0, "%s (%s:%d): no section says what to test", c->name,
		     c->file, c->line);
}

int main(void)
{
	mem_init();
	cases_run_dir("merge", run_case, NULL);
	return t_done();
}
